//! Resizing with `fast_image_resize` (SIMD convolution; alpha is premultiplied while
//! filtering so transparent pixels do not bleed their colour), with the filters
//! `resize-filter` names. Lanczos3 is the default, as libvips's.

use fast_image_resize::images::Image;
use fast_image_resize::{Filter, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::params::ResizeFilter;
use super::pixels::{Layout, Pixels};

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let x = x * std::f64::consts::PI;
        x.sin() / x
    }
}

fn lanczos2(x: f64) -> f64 {
    if (-2.0..2.0).contains(&x) {
        sinc(x) * sinc(x / 2.0)
    } else {
        0.0
    }
}

fn algorithm(filter: ResizeFilter) -> ResizeAlg {
    let convolution = match filter {
        ResizeFilter::Nearest => return ResizeAlg::Nearest,
        ResizeFilter::Bilinear => FilterType::Bilinear,
        ResizeFilter::Bicubic => FilterType::CatmullRom,
        ResizeFilter::Lanczos2 => FilterType::Custom(
            Filter::new("Lanczos2", lanczos2, 2.0).expect("a finite, positive support"),
        ),
        ResizeFilter::Lanczos3 => FilterType::Lanczos3,
    };
    ResizeAlg::Convolution(convolution)
}

fn pixel_type(layout: Layout) -> PixelType {
    match layout {
        Layout::L8 => PixelType::U8,
        Layout::La8 => PixelType::U8x2,
        Layout::Rgb8 => PixelType::U8x3,
        Layout::Rgba8 => PixelType::U8x4,
    }
}

/// `image` resized to `width` x `height` (the same image when it already is that size).
pub fn resize(image: Pixels, width: u32, height: u32, filter: ResizeFilter) -> Pixels {
    if (image.width, image.height) == (width, height) {
        return image;
    }
    let kind = pixel_type(image.layout);
    let source = Image::from_vec_u8(image.width, image.height, image.data, kind)
        .expect("a buffer of its own size");
    let mut target = Image::new(width, height, kind);
    let options = ResizeOptions::new().resize_alg(algorithm(filter));
    Resizer::new()
        .resize(&source, &mut target, &options)
        .expect("the same pixel type on both sides");
    Pixels {
        width,
        height,
        layout: image.layout,
        data: target.into_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_resizes_every_layout() {
        for layout in [Layout::L8, Layout::La8, Layout::Rgb8, Layout::Rgba8] {
            for filter in [
                ResizeFilter::Nearest,
                ResizeFilter::Bilinear,
                ResizeFilter::Bicubic,
                ResizeFilter::Lanczos2,
                ResizeFilter::Lanczos3,
            ] {
                let image = Pixels {
                    width: 8,
                    height: 4,
                    layout,
                    data: vec![200; 32 * layout.channels()],
                };
                let out = resize(image, 3, 5, filter);
                assert_eq!((out.width, out.height), (3, 5));
                assert_eq!(out.data.len(), 15 * layout.channels());
                assert!(out.data.iter().all(|v| *v == 200), "{layout:?} {filter:?}");
            }
        }
    }
}
