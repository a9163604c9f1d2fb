//! Reading source images: the header first (format, size, EXIF orientation: cheap, and
//! enough to refuse what is over the limits before a pixel is decoded), then only the
//! pixels a plan needs. JPEGs are decoded at 1/2, 1/4 or 1/8 scale when the output is that
//! much smaller (the DCT does the shrinking); PNGs are decoded row by row, keeping only
//! the kept rectangle and shrinking it by whole steps as it streams, so that a small file
//! that unpacks to 12,000 x 12,000 pixels never sits in memory whole.

use std::io::Cursor;

use super::orientation::{Orientation, Rect, exif_orientation};
use super::pixels::{Layout, Pixels};

/// Largest input width or height (Contentstack's limit: 12,000 x 12,000).
pub const MAX_INPUT_PIXELS: u32 = 12_000;

/// The source formats the transforms know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Jpeg,
    Png,
    Gif,
    /// WebP; `lossless` when its image data is VP8L.
    Webp {
        lossless: bool,
    },
    /// Known but not decodable here (no AVIF decoder is built in).
    Avif,
}

impl SourceFormat {
    /// The short name `Fastly-IO-Info` uses.
    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Jpeg => "jpeg",
            SourceFormat::Png => "png",
            SourceFormat::Gif => "gif",
            SourceFormat::Webp { .. } => "webp",
            SourceFormat::Avif => "avif",
        }
    }
}

/// What a header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub format: SourceFormat,
    pub width: u32,
    pub height: u32,
    pub exif: Orientation,
}

/// Why a source cannot be transformed. The messages are Fastly's `Fastly-IO-Error` words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("Not a supported image format")]
    Unsupported,
    #[error("Image could not be parsed")]
    Unparseable,
    #[error("Image exceeds maximum dimensions")]
    TooLarge,
}

/// Reads the format, size and orientation from a file's bytes without decoding pixels.
pub fn probe(bytes: &[u8]) -> Result<Probe, DecodeError> {
    let format = match imagesize::image_type(bytes).map_err(|_| DecodeError::Unsupported)? {
        imagesize::ImageType::Jpeg => SourceFormat::Jpeg,
        imagesize::ImageType::Png => SourceFormat::Png,
        imagesize::ImageType::Gif => SourceFormat::Gif,
        imagesize::ImageType::Webp => SourceFormat::Webp {
            lossless: webp_is_lossless(bytes),
        },
        imagesize::ImageType::Heif(imagesize::Compression::Av1) => SourceFormat::Avif,
        _ => return Err(DecodeError::Unsupported),
    };
    let size = imagesize::blob_size(bytes).map_err(|_| DecodeError::Unparseable)?;
    let (width, height) = (
        u32::try_from(size.width).map_err(|_| DecodeError::TooLarge)?,
        u32::try_from(size.height).map_err(|_| DecodeError::TooLarge)?,
    );
    if width == 0 || height == 0 {
        return Err(DecodeError::Unparseable);
    }
    if width > MAX_INPUT_PIXELS || height > MAX_INPUT_PIXELS {
        return Err(DecodeError::TooLarge);
    }
    let exif = match format {
        SourceFormat::Jpeg => jpeg_exif(bytes),
        SourceFormat::Png => png_exif(bytes),
        SourceFormat::Webp { .. } => webp_exif(bytes),
        _ => None,
    }
    .and_then(exif_orientation)
    .map_or(Orientation::IDENTITY, Orientation::from_code);
    Ok(Probe {
        format,
        width,
        height,
        exif,
    })
}

/// The APP1 `Exif` segment of a JPEG, found by walking its markers up to the image data.
fn jpeg_exif(bytes: &[u8]) -> Option<&[u8]> {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        // Start of scan or end of image: no metadata past here.
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        let body = bytes.get(at + 4..at + 2 + length)?;
        if marker == 0xE1 && body.starts_with(b"Exif\0\0") {
            return Some(body);
        }
        at += 2 + length;
    }
    None
}

/// The chunks of a PNG as (type, data), up to the first IDAT.
fn png_chunks(bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut at = 8;
    std::iter::from_fn(move || {
        let length = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind = bytes.get(at + 4..at + 8)?;
        let data = bytes.get(at + 8..(at + 8).checked_add(length)?)?;
        at = at + 12 + length;
        (kind != b"IDAT").then_some((kind, data))
    })
}

fn png_exif(bytes: &[u8]) -> Option<&[u8]> {
    png_chunks(bytes).find_map(|(kind, data)| (kind == b"eXIf").then_some(data))
}

/// The chunks of a WebP (RIFF) file as (fourcc, data).
fn webp_chunks(bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut at = 12;
    std::iter::from_fn(move || {
        let kind = bytes.get(at..at + 4)?;
        let length = u32::from_le_bytes(bytes.get(at + 4..at + 8)?.try_into().ok()?) as usize;
        let data = bytes.get(at + 8..(at + 8).checked_add(length)?)?;
        // Chunks are padded to an even length.
        at = at + 8 + length + (length & 1);
        Some((kind, data))
    })
}

fn webp_exif(bytes: &[u8]) -> Option<&[u8]> {
    webp_chunks(bytes).find_map(|(kind, data)| (kind == b"EXIF").then_some(data))
}

fn webp_is_lossless(bytes: &[u8]) -> bool {
    webp_chunks(bytes)
        .find(|(kind, _)| *kind == b"VP8L" || *kind == b"VP8 ")
        .is_some_and(|(kind, _)| kind == b"VP8L")
}

/// How a source will be decoded for a plan: at what scale, and what it costs in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeStep {
    /// JPEG: the DCT scale denominator (1, 2, 4 or 8). PNG: the whole-step box shrink.
    pub shrink: u32,
    /// Bytes held at the peak of decoding (an estimate on the safe side).
    pub peak_bytes: u64,
}

/// Chooses how to decode `rect` of a source for an output of `target` pixels (in the
/// stored orientation); `exact` asks for no shrink-on-load (nearest-neighbour resizing).
pub fn decode_step(probe: &Probe, rect: Rect, target: (u32, u32), exact: bool) -> DecodeStep {
    // The largest whole shrink that still leaves at least the target's pixels.
    let fits = |s: u32| rect.width / s >= target.0 && rect.height / s >= target.1;
    let (w, h) = (probe.width as u64, probe.height as u64);
    match probe.format {
        SourceFormat::Jpeg => {
            let shrink = if exact {
                1
            } else {
                [8, 4, 2].into_iter().find(|s| fits(*s)).unwrap_or(1)
            };
            let s = shrink as u64;
            let scaled = w.div_ceil(s) * h.div_ceil(s);
            DecodeStep {
                shrink,
                // The scaled image (up to 4 bytes a pixel for CMYK) and its crop.
                peak_bytes: scaled * 4
                    + (rect.width as u64 / s + 1) * (rect.height as u64 / s + 1) * 3,
            }
        }
        SourceFormat::Png => {
            let mut shrink = 1;
            if !exact {
                let by_width = rect.width / target.0.max(1);
                let by_height = rect.height / target.1.max(1);
                shrink = by_width.min(by_height).max(1);
            }
            let s = shrink as u64;
            let out = (rect.width as u64).div_ceil(s) * (rect.height as u64).div_ceil(s) * 4;
            // A row of the source, twice (the decoder's and the previous one), and the
            // accumulated band (8 bytes a channel).
            let rows = w * 8 * 2 + (rect.width as u64).div_ceil(s) * 4 * 8;
            DecodeStep {
                shrink,
                peak_bytes: out + rows,
            }
        }
        // GIF and WebP are decoded whole (RGBA), then cropped.
        _ => DecodeStep {
            shrink: 1,
            peak_bytes: w * h * 4 + rect.width as u64 * rect.height as u64 * 4,
        },
    }
}

/// Decodes `rect` of the source (in stored coordinates), shrunk on load as `step` says:
/// the result covers the rectangle at `1/step.shrink` scale (or thereabouts: JPEG
/// scaling rounds up) and is never smaller than the plan's target.
pub fn decode(
    bytes: &[u8],
    probe: &Probe,
    rect: Rect,
    step: DecodeStep,
) -> Result<Pixels, DecodeError> {
    match probe.format {
        SourceFormat::Jpeg => decode_jpeg(bytes, probe, rect, step.shrink),
        SourceFormat::Png => decode_png(bytes, rect, step.shrink),
        SourceFormat::Gif => decode_whole(bytes, image::ImageFormat::Gif, probe, rect),
        SourceFormat::Webp { .. } => decode_whole(bytes, image::ImageFormat::WebP, probe, rect),
        SourceFormat::Avif => Err(DecodeError::Unsupported),
    }
}

fn decode_jpeg(
    bytes: &[u8],
    probe: &Probe,
    rect: Rect,
    shrink: u32,
) -> Result<Pixels, DecodeError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().map_err(|_| DecodeError::Unparseable)?;
    let info = decoder.info().ok_or(DecodeError::Unparseable)?;
    if (u32::from(info.width), u32::from(info.height)) != (probe.width, probe.height) {
        return Err(DecodeError::Unparseable);
    }
    let (scaled_w, scaled_h) = if shrink > 1 {
        let want = |v: u32| u16::try_from(v.div_ceil(shrink)).unwrap_or(u16::MAX);
        let (w, h) = decoder
            .scale(want(probe.width), want(probe.height))
            .map_err(|_| DecodeError::Unparseable)?;
        (u32::from(w), u32::from(h))
    } else {
        (probe.width, probe.height)
    };
    let data = decoder.decode().map_err(|_| DecodeError::Unparseable)?;
    let info = decoder.info().ok_or(DecodeError::Unparseable)?;
    let (layout, data) = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => (Layout::L8, data),
        jpeg_decoder::PixelFormat::RGB24 => (Layout::Rgb8, data),
        jpeg_decoder::PixelFormat::L16 => (
            Layout::L8,
            // Big-endian samples: the high byte is the 8-bit value.
            data.chunks_exact(2).map(|s| s[0]).collect(),
        ),
        jpeg_decoder::PixelFormat::CMYK32 => (
            Layout::Rgb8,
            data.chunks_exact(4)
                .flat_map(|p| {
                    let k = u32::from(p[3]);
                    [0, 1, 2].map(|i| (u32::from(p[i]) * k / 255) as u8)
                })
                .collect(),
        ),
    };
    let expected = scaled_w as usize * scaled_h as usize * layout.channels();
    if data.len() != expected {
        return Err(DecodeError::Unparseable);
    }
    let image = Pixels {
        width: scaled_w,
        height: scaled_h,
        layout,
        data,
    };
    Ok(image.crop(scale_rect(rect, probe, scaled_w, scaled_h)))
}

/// `rect` of a `probe`-sized image, in an image of the same picture scaled to `w` x `h`.
fn scale_rect(rect: Rect, probe: &Probe, w: u32, h: u32) -> Rect {
    let sx = w as f64 / probe.width as f64;
    let sy = h as f64 / probe.height as f64;
    let x0 = ((rect.x as f64) * sx).floor() as u32;
    let y0 = ((rect.y as f64) * sy).floor() as u32;
    let x1 = (((rect.x + rect.width) as f64) * sx).ceil().min(w as f64) as u32;
    let y1 = (((rect.y + rect.height) as f64) * sy).ceil().min(h as f64) as u32;
    Rect {
        x: x0.min(w - 1),
        y: y0.min(h - 1),
        width: x1.saturating_sub(x0).max(1),
        height: y1.saturating_sub(y0).max(1),
    }
}

fn decode_png(bytes: &[u8], rect: Rect, shrink: u32) -> Result<Pixels, DecodeError> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|_| DecodeError::Unparseable)?;
    let layout = match reader.output_color_type().0 {
        png::ColorType::Grayscale => Layout::L8,
        png::ColorType::GrayscaleAlpha => Layout::La8,
        png::ColorType::Rgb => Layout::Rgb8,
        png::ColorType::Rgba => Layout::Rgba8,
        png::ColorType::Indexed => return Err(DecodeError::Unparseable),
    };
    let info = reader.info();
    let (width, height) = (info.width, info.height);
    if rect.x + rect.width > width || rect.y + rect.height > height {
        return Err(DecodeError::Unparseable);
    }
    let mut shrinker = BoxShrinker::new(rect, shrink, layout);
    if info.interlaced {
        // Adam7 rows come pass by pass: decode the whole frame, then keep the rectangle.
        let size = reader.output_buffer_size().ok_or(DecodeError::TooLarge)?;
        let mut frame = vec![0; size];
        reader
            .next_frame(&mut frame)
            .map_err(|_| DecodeError::Unparseable)?;
        let row = width as usize * layout.channels();
        for (y, line) in frame.chunks_exact(row).enumerate() {
            shrinker.push_row(y as u32, line);
        }
    } else {
        let mut y = 0;
        while let Some(row) = reader.next_row().map_err(|_| DecodeError::Unparseable)? {
            shrinker.push_row(y, row.data());
            y += 1;
            if y >= rect.y + rect.height {
                break;
            }
        }
        if y < rect.y + rect.height {
            return Err(DecodeError::Unparseable);
        }
    }
    Ok(shrinker.finish())
}

/// Keeps a rectangle of rows as they stream by, averaging `shrink` x `shrink` blocks into
/// one pixel (colour weighted by alpha, so transparent pixels do not darken edges).
struct BoxShrinker {
    rect: Rect,
    shrink: u32,
    layout: Layout,
    out_width: u32,
    sums: Vec<u64>,
    rows_in_band: u32,
    out: Vec<u8>,
}

impl BoxShrinker {
    fn new(rect: Rect, shrink: u32, layout: Layout) -> BoxShrinker {
        let out_width = rect.width.div_ceil(shrink);
        let out_height = rect.height.div_ceil(shrink);
        let channels = layout.channels();
        BoxShrinker {
            rect,
            shrink,
            layout,
            out_width,
            sums: vec![0; out_width as usize * channels],
            rows_in_band: 0,
            out: Vec::with_capacity(out_width as usize * out_height as usize * channels),
        }
    }

    fn push_row(&mut self, y: u32, row: &[u8]) {
        if y < self.rect.y || y >= self.rect.y + self.rect.height {
            return;
        }
        let channels = self.layout.channels();
        let start = self.rect.x as usize * channels;
        let kept = &row[start..start + self.rect.width as usize * channels];
        if self.shrink == 1 {
            self.out.extend_from_slice(kept);
            return;
        }
        let alpha = self.layout.has_alpha().then_some(channels - 1);
        for (x, pixel) in kept.chunks_exact(channels).enumerate() {
            let cell = (x / self.shrink as usize) * channels;
            let sums = &mut self.sums[cell..cell + channels];
            match alpha {
                Some(a) => {
                    let weight = u64::from(pixel[a]);
                    for c in 0..a {
                        sums[c] += u64::from(pixel[c]) * weight;
                    }
                    sums[a] += weight;
                }
                None => {
                    for (sum, value) in sums.iter_mut().zip(pixel) {
                        *sum += u64::from(*value);
                    }
                }
            }
        }
        self.rows_in_band += 1;
        if self.rows_in_band == self.shrink || y + 1 == self.rect.y + self.rect.height {
            self.emit_band();
        }
    }

    fn emit_band(&mut self) {
        let channels = self.layout.channels();
        let alpha = self.layout.has_alpha().then_some(channels - 1);
        for cell in 0..self.out_width {
            let first_x = cell * self.shrink;
            let columns = self.shrink.min(self.rect.width - first_x);
            let count = u64::from(columns * self.rows_in_band);
            let sums = &self.sums[cell as usize * channels..(cell as usize + 1) * channels];
            match alpha {
                Some(a) => {
                    let weight = sums[a];
                    for sum in &sums[..a] {
                        // Fully transparent blocks have no colour: 0.
                        self.out.push(sum.checked_div(weight).unwrap_or(0) as u8);
                    }
                    self.out.push((weight / count) as u8);
                }
                None => self.out.extend(sums.iter().map(|sum| (sum / count) as u8)),
            }
        }
        self.sums.iter_mut().for_each(|s| *s = 0);
        self.rows_in_band = 0;
    }

    fn finish(self) -> Pixels {
        let (width, height) = if self.shrink == 1 {
            (self.rect.width, self.rect.height)
        } else {
            (self.out_width, self.rect.height.div_ceil(self.shrink))
        };
        Pixels {
            width,
            height,
            layout: self.layout,
            data: self.out,
        }
    }
}

/// GIF (its first frame) and WebP: decoded whole through `image`, with its own limits as
/// a second guard, then cropped.
fn decode_whole(
    bytes: &[u8],
    format: image::ImageFormat,
    probe: &Probe,
    rect: Rect,
) -> Result<Pixels, DecodeError> {
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_INPUT_PIXELS);
    limits.max_image_height = Some(MAX_INPUT_PIXELS);
    limits.max_alloc =
        Some(u64::from(MAX_INPUT_PIXELS) * u64::from(MAX_INPUT_PIXELS) * 4 + (1 << 20));
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => DecodeError::TooLarge,
        _ => DecodeError::Unparseable,
    })?;
    if (decoded.width(), decoded.height()) != (probe.width, probe.height) {
        return Err(DecodeError::Unparseable);
    }
    let (width, height) = (decoded.width(), decoded.height());
    let (layout, data) = match decoded {
        image::DynamicImage::ImageLuma8(buffer) => (Layout::L8, buffer.into_raw()),
        image::DynamicImage::ImageLumaA8(buffer) => (Layout::La8, buffer.into_raw()),
        image::DynamicImage::ImageRgb8(buffer) => (Layout::Rgb8, buffer.into_raw()),
        other => (Layout::Rgba8, other.into_rgba8().into_raw()),
    };
    Ok(Pixels {
        width,
        height,
        layout,
        data,
    }
    .crop(rect))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_shrink_averages_blocks_and_keeps_edges() {
        // A 5x2 grey strip, kept whole, shrunk by 2: blocks of 2x2, 2x2 and 1x2.
        let rect = Rect::whole(5, 2);
        let mut shrinker = BoxShrinker::new(rect, 2, Layout::L8);
        shrinker.push_row(0, &[0, 10, 20, 30, 40]);
        shrinker.push_row(1, &[10, 20, 30, 40, 50]);
        let out = shrinker.finish();
        assert_eq!((out.width, out.height), (3, 1));
        assert_eq!(out.data, vec![10, 30, 45]);
    }

    #[test]
    fn box_shrink_weights_colour_by_alpha() {
        let rect = Rect::whole(2, 1);
        let mut shrinker = BoxShrinker::new(rect, 2, Layout::La8);
        shrinker.push_row(0, &[200, 255, 0, 0]);
        let out = shrinker.finish();
        assert_eq!(out.data, vec![200, 127]);
    }

    #[test]
    fn headers_that_lie_or_are_too_large_are_refused() {
        assert_eq!(probe(b"hello"), Err(DecodeError::Unsupported));
        // A PNG header that claims 20,000 x 10 pixels.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&20_000u32.to_be_bytes());
        png.extend_from_slice(&10u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(probe(&png), Err(DecodeError::TooLarge));
    }
}
