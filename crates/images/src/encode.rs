//! Encoding the output: JPEG (baseline or progressive) with `jpeg-encoder`, WebP (lossy
//! or lossless) with libwebp, PNG and GIF with `image`, AVIF with `ravif` when built with
//! the `avif` feature.

use image::ImageEncoder;

use super::pixels::{Layout, Pixels};

/// Quality of lossy outputs when `quality` is not given (Fastly's default).
pub const DEFAULT_QUALITY: u8 = 85;

/// What the answer is encoded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Jpeg { progressive: bool },
    Png,
    Webp { lossless: bool },
    Gif,
    Avif,
}

impl OutputFormat {
    /// The short name `Fastly-IO-Info` uses.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Jpeg { progressive: false } => "jpeg",
            OutputFormat::Jpeg { progressive: true } => "pjpeg",
            OutputFormat::Png => "png",
            OutputFormat::Webp { .. } => "webp",
            OutputFormat::Gif => "gif",
            OutputFormat::Avif => "avif",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Jpeg { .. } => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::Webp { .. } => "image/webp",
            OutputFormat::Gif => "image/gif",
            OutputFormat::Avif => "image/avif",
        }
    }

    /// Whether the format can carry transparency.
    pub fn supports_alpha(self) -> bool {
        !matches!(self, OutputFormat::Jpeg { .. })
    }

    /// Whether `quality` applies.
    pub fn is_lossy(self) -> bool {
        matches!(
            self,
            OutputFormat::Jpeg { .. } | OutputFormat::Webp { lossless: false } | OutputFormat::Avif
        )
    }

    /// Whether this build can encode it.
    pub fn is_available(self) -> bool {
        self != OutputFormat::Avif || cfg!(feature = "avif")
    }
}

/// Why encoding failed (never expected: the inputs are checked before).
#[derive(Debug, thiserror::Error)]
#[error("could not encode the image as {format}: {message}")]
pub struct EncodeError {
    format: &'static str,
    message: String,
}

fn failed(format: OutputFormat, error: impl std::fmt::Display) -> EncodeError {
    EncodeError {
        format: format.name(),
        message: error.to_string(),
    }
}

/// Encodes `image` (already flattened for formats without alpha).
pub fn encode(
    image: Pixels,
    format: OutputFormat,
    quality: Option<u8>,
) -> Result<Vec<u8>, EncodeError> {
    let quality = quality.unwrap_or(DEFAULT_QUALITY);
    match format {
        OutputFormat::Jpeg { progressive } => encode_jpeg(image, progressive, quality),
        OutputFormat::Webp { lossless } => Ok(encode_webp(image, lossless, quality)),
        OutputFormat::Png => {
            let mut out = Vec::new();
            let encoder = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Default,
                image::codecs::png::FilterType::Adaptive,
            );
            let colour = match image.layout {
                Layout::L8 => image::ExtendedColorType::L8,
                Layout::La8 => image::ExtendedColorType::La8,
                Layout::Rgb8 => image::ExtendedColorType::Rgb8,
                Layout::Rgba8 => image::ExtendedColorType::Rgba8,
            };
            encoder
                .write_image(&image.data, image.width, image.height, colour)
                .map_err(|e| failed(format, e))?;
            Ok(out)
        }
        OutputFormat::Gif => {
            let rgba = image.into_rgba();
            let mut out = Vec::new();
            {
                // Speed 10 of 30: NeuQuant's default balance of palette quality and time.
                let mut encoder = image::codecs::gif::GifEncoder::new_with_speed(&mut out, 10);
                encoder
                    .encode(
                        &rgba.data,
                        rgba.width,
                        rgba.height,
                        image::ExtendedColorType::Rgba8,
                    )
                    .map_err(|e| failed(format, e))?;
            }
            Ok(out)
        }
        OutputFormat::Avif => encode_avif(image, quality),
    }
}

fn encode_jpeg(image: Pixels, progressive: bool, quality: u8) -> Result<Vec<u8>, EncodeError> {
    let format = OutputFormat::Jpeg { progressive };
    let image = match image.layout {
        Layout::L8 | Layout::Rgb8 => image,
        // Callers flatten first; drop what alpha is left rather than fail.
        Layout::La8 | Layout::Rgba8 => image.into_rgb(),
    };
    let colour = match image.layout {
        Layout::L8 => jpeg_encoder::ColorType::Luma,
        _ => jpeg_encoder::ColorType::Rgb,
    };
    let (width, height) = (
        u16::try_from(image.width).map_err(|e| failed(format, e))?,
        u16::try_from(image.height).map_err(|e| failed(format, e))?,
    );
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_progressive(progressive);
    encoder
        .encode(&image.data, width, height, colour)
        .map_err(|e| failed(format, e))?;
    Ok(out)
}

fn encode_webp(image: Pixels, lossless: bool, quality: u8) -> Vec<u8> {
    let image = match image.layout {
        Layout::L8 => image.into_rgb(),
        Layout::La8 => image.into_rgba(),
        _ => image,
    };
    let encoder = match image.layout {
        Layout::Rgba8 => webp::Encoder::from_rgba(&image.data, image.width, image.height),
        _ => webp::Encoder::from_rgb(&image.data, image.width, image.height),
    };
    let memory = if lossless {
        encoder.encode_lossless()
    } else {
        encoder.encode(f32::from(quality))
    };
    memory.to_vec()
}

#[cfg(feature = "avif")]
fn encode_avif(image: Pixels, quality: u8) -> Result<Vec<u8>, EncodeError> {
    let rgba = image.into_rgba();
    let pixels: Vec<ravif::RGBA8> = rgba
        .data
        .chunks_exact(4)
        .map(|p| ravif::RGBA8::new(p[0], p[1], p[2], p[3]))
        .collect();
    let picture = ravif::Img::new(pixels.as_slice(), rgba.width as usize, rgba.height as usize);
    // Speed 8 of 10: a mock answers in well under a second rather than squeezing bytes.
    let encoded = ravif::Encoder::new()
        .with_quality(f32::from(quality))
        .with_speed(8)
        .with_num_threads(Some(1))
        .encode_rgba(picture)
        .map_err(|e| failed(OutputFormat::Avif, e))?;
    Ok(encoded.avif_file)
}

#[cfg(not(feature = "avif"))]
fn encode_avif(_image: Pixels, _quality: u8) -> Result<Vec<u8>, EncodeError> {
    Err(failed(OutputFormat::Avif, "this build has no AVIF encoder"))
}
