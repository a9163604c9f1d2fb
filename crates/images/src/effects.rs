//! The filters: `blur` (a Gaussian, approximated by three box blurs, so its cost does
//! not grow with the radius), `sharpen` (an unsharp mask on that blur), and the colour
//! adjustments `brightness`, `contrast` and `saturation`. Colour channels are filtered
//! premultiplied by alpha, so transparent pixels do not bleed into their neighbours.

use super::params::Sharpen;
use super::pixels::{Layout, Pixels};

/// A Gaussian blur of standard deviation `sigma` pixels.
pub fn blur(image: &mut Pixels, sigma: f64) {
    let blurred = blurred_copy(image, sigma);
    image.data = blurred;
}

/// An unsharp mask: each colour channel moves away from its blurred value by `amount / 2`
/// times the difference, where the difference is over `threshold`.
pub fn sharpen(image: &mut Pixels, sharpen: &Sharpen) {
    let blurred = blurred_copy(image, sharpen.radius);
    let channels = image.layout.channels();
    let alpha = image.layout.has_alpha().then_some(channels - 1);
    let gain = sharpen.amount / 2.0;
    let threshold = f64::from(sharpen.threshold);
    for (index, (value, soft)) in image.data.iter_mut().zip(&blurred).enumerate() {
        if Some(index % channels) == alpha {
            continue;
        }
        let difference = f64::from(*value) - f64::from(*soft);
        if difference.abs() > threshold {
            *value = (f64::from(*value) + gain * difference)
                .round()
                .clamp(0.0, 255.0) as u8;
        }
    }
}

/// The image blurred (colour premultiplied by alpha while blurring).
fn blurred_copy(image: &Pixels, sigma: f64) -> Vec<u8> {
    let channels = image.layout.channels();
    let alpha = image.layout.has_alpha().then_some(channels - 1);
    let (width, height) = (image.width as usize, image.height as usize);
    let mut plane: Vec<f32> = image.data.iter().map(|v| f32::from(*v)).collect();
    if let Some(a) = alpha {
        for pixel in plane.chunks_exact_mut(channels) {
            let weight = pixel[a] / 255.0;
            for c in &mut pixel[..a] {
                *c *= weight;
            }
        }
    }
    // Three box blurs whose widths add up to the Gaussian's variance.
    for box_width in box_widths(sigma, 3) {
        let radius = box_width / 2;
        box_pass(&mut plane, width, height, channels, radius, true);
        box_pass(&mut plane, width, height, channels, radius, false);
    }
    if let Some(a) = alpha {
        for pixel in plane.chunks_exact_mut(channels) {
            let weight = pixel[a] / 255.0;
            for c in &mut pixel[..a] {
                *c = if weight > 0.0 { *c / weight } else { 0.0 };
            }
        }
    }
    plane
        .iter()
        .map(|v| v.round().clamp(0.0, 255.0) as u8)
        .collect()
}

/// Odd box widths whose `passes` successive box blurs approximate a Gaussian of `sigma`.
fn box_widths(sigma: f64, passes: usize) -> Vec<usize> {
    let n = passes as f64;
    let ideal = (12.0 * sigma * sigma / n + 1.0).sqrt();
    let mut lower = ideal.floor() as usize;
    if lower.is_multiple_of(2) {
        lower = lower.saturating_sub(1).max(1);
    }
    let upper = lower + 2;
    let l = lower as f64;
    let m = ((12.0 * sigma * sigma - n * l * l - 4.0 * n * l - 3.0 * n) / (-4.0 * l - 4.0)).round();
    (0..passes)
        .map(|i| if (i as f64) < m { lower } else { upper })
        .collect()
}

/// One box blur of `radius` along rows (`horizontal`) or columns, edges extended.
fn box_pass(
    plane: &mut [f32],
    width: usize,
    height: usize,
    channels: usize,
    radius: usize,
    horizontal: bool,
) {
    if radius == 0 {
        return;
    }
    let (lines, length, step, line_step) = if horizontal {
        (height, width, channels, width * channels)
    } else {
        (width, height, width * channels, channels)
    };
    let span = (2 * radius + 1) as f32;
    let mut line = vec![0f32; length];
    for l in 0..lines {
        for c in 0..channels {
            let base = l * line_step + c;
            for (i, value) in line.iter_mut().enumerate() {
                *value = plane[base + i * step];
            }
            let at = |i: isize| line[i.clamp(0, length as isize - 1) as usize];
            let r = radius as isize;
            let mut sum: f32 = (-r..=r).map(at).sum();
            for i in 0..length {
                plane[base + i * step] = sum / span;
                let i = i as isize;
                sum += at(i + r + 1) - at(i - r);
            }
        }
    }
}

/// `brightness`, `contrast` and `saturation`, each -100 to 100 (0 changes nothing).
pub fn adjust_colours(
    image: &mut Pixels,
    brightness: Option<f64>,
    contrast: Option<f64>,
    saturation: Option<f64>,
) {
    let mut table = [0u8; 256];
    for (value, entry) in table.iter_mut().enumerate() {
        let mut v = value as f64;
        if let Some(b) = brightness {
            // 100 is white, -100 black.
            v = if b >= 0.0 {
                v + (255.0 - v) * b / 100.0
            } else {
                v * (1.0 + b / 100.0)
            };
        }
        if let Some(c) = contrast {
            // -100 is a flat middle grey, 100 doubles the distance from it.
            v = 128.0 + (v - 128.0) * (1.0 + c / 100.0);
        }
        *entry = v.round().clamp(0.0, 255.0) as u8;
    }
    let channels = image.layout.channels();
    let colour_channels = match image.layout {
        Layout::L8 | Layout::La8 => 1,
        Layout::Rgb8 | Layout::Rgba8 => 3,
    };
    let saturation = saturation
        .filter(|s| *s != 0.0 && colour_channels == 3)
        .map(|s| 1.0 + s / 100.0);
    for pixel in image.data.chunks_exact_mut(channels) {
        for value in &mut pixel[..colour_channels] {
            *value = table[*value as usize];
        }
        if let Some(factor) = saturation {
            let grey = 0.299 * f64::from(pixel[0])
                + 0.587 * f64::from(pixel[1])
                + 0.114 * f64::from(pixel[2]);
            for value in &mut pixel[..3] {
                *value = (grey + (f64::from(*value) - grey) * factor)
                    .round()
                    .clamp(0.0, 255.0) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(data: Vec<u8>, width: u32) -> Pixels {
        let height = data.len() as u32 / 3 / width;
        Pixels {
            width,
            height,
            layout: Layout::Rgb8,
            data,
        }
    }

    #[test]
    fn box_widths_approximate_the_gaussian() {
        let widths = box_widths(2.0, 3);
        let variance: f64 = widths.iter().map(|w| ((w * w - 1) as f64) / 12.0).sum();
        assert!((variance - 4.0).abs() < 1.0, "{widths:?} {variance}");
    }

    #[test]
    fn blur_spreads_a_point_and_keeps_flat_areas() {
        let mut flat = rgb(vec![90; 3 * 25], 5);
        blur(&mut flat, 3.0);
        assert!(flat.data.iter().all(|v| *v == 90));
        let mut point = vec![0; 3 * 25];
        point[3 * 12..3 * 13].copy_from_slice(&[255, 255, 255]);
        let mut image = rgb(point, 5);
        blur(&mut image, 1.0);
        assert!(image.data[3 * 12] < 255 && image.data[3 * 11] > 0);
    }

    #[test]
    fn colour_adjustments_reach_their_ends() {
        let mut image = rgb(vec![10, 100, 200], 1);
        adjust_colours(&mut image, Some(100.0), None, None);
        assert_eq!(image.data, vec![255, 255, 255]);
        let mut image = rgb(vec![10, 100, 200], 1);
        adjust_colours(&mut image, Some(-100.0), None, None);
        assert_eq!(image.data, vec![0, 0, 0]);
        let mut image = rgb(vec![10, 100, 200], 1);
        adjust_colours(&mut image, None, Some(-100.0), None);
        assert_eq!(image.data, vec![128, 128, 128]);
        let mut image = rgb(vec![10, 100, 200], 1);
        adjust_colours(&mut image, None, None, Some(-100.0));
        assert!(image.data[0] == image.data[1] && image.data[1] == image.data[2]);
    }

    #[test]
    fn sharpen_raises_edges() {
        let mut image = rgb(
            [[50u8; 3]; 4]
                .concat()
                .into_iter()
                .chain([200; 12])
                .collect(),
            8,
        );
        let before = image.data.clone();
        sharpen(
            &mut image,
            &Sharpen {
                amount: 5.0,
                radius: 1.0,
                threshold: 0,
            },
        );
        assert!(image.data[3 * 3] < before[3 * 3], "the dark side darkens");
        assert!(image.data[3 * 4] > before[3 * 4], "the light side lightens");
    }
}
