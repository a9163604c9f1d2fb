//! One transform from start to end, in two steps: [`prepare`] reads the headers and
//! works out the plan and what it will cost in memory (cheap); [`Prepared::run`] decodes,
//! processes and encodes (the expensive part, run once the memory is granted).

use super::decode::{self, DecodeError, DecodeStep, Probe, SourceFormat};
use super::effects;
use super::encode::{self, EncodeError, OutputFormat};
use super::orientation::Rect;
use super::params::{
    AutoFormat, FormatParam, HAlign, Overlay, Repeat, ResizeFilter, Transform, VAlign,
};
use super::pixels::{Layout, Pixels};
use super::plan::{self, Plan, PlanError, Source};
use super::resize::resize;

/// Which of the negotiated formats the client takes (from its `Accept` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Accepts {
    pub webp: bool,
    pub avif: bool,
}

impl Accepts {
    /// Reads an `Accept` header: a format counts when it is named with a quality above 0
    /// (`*/*` does not count: browsers that take WebP or AVIF say so).
    pub fn from_header(accept: Option<&str>) -> Accepts {
        let mut accepts = Accepts::default();
        for range in accept.unwrap_or("").split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or("").to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f64>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            match media.as_str() {
                "image/webp" => accepts.webp |= !refused,
                "image/avif" => accepts.avif |= !refused,
                _ => {}
            }
        }
        accepts
    }
}

/// The format of the answer: `auto` for clients that take it, else `format`, else the
/// source's own format.
pub fn output_format(
    transform: &Transform,
    source: SourceFormat,
    accepts: Accepts,
    warnings: &mut Vec<String>,
) -> OutputFormat {
    let avif_built = OutputFormat::Avif.is_available();
    let same = match source {
        SourceFormat::Jpeg | SourceFormat::Avif => OutputFormat::Jpeg { progressive: false },
        SourceFormat::Png => OutputFormat::Png,
        SourceFormat::Gif => OutputFormat::Gif,
        SourceFormat::Webp { lossless } => OutputFormat::Webp { lossless },
    };
    if let Some(auto) = transform.auto {
        if source == SourceFormat::Gif {
            warnings.push("auto does not apply to GIF".to_owned());
        } else {
            match auto {
                AutoFormat::Webp if accepts.webp => return OutputFormat::Webp { lossless: false },
                AutoFormat::Avif if accepts.avif && avif_built => return OutputFormat::Avif,
                AutoFormat::Avif if accepts.avif => {
                    warnings.push("auto=avif: this server has no AVIF encoder".to_owned())
                }
                _ => {}
            }
        }
    }
    match transform.format {
        None => same,
        Some(FormatParam::Jpeg) => OutputFormat::Jpeg { progressive: false },
        Some(FormatParam::ProgressiveJpeg) => OutputFormat::Jpeg { progressive: true },
        Some(FormatParam::Png) => OutputFormat::Png,
        Some(FormatParam::Webp | FormatParam::WebpLossy) => OutputFormat::Webp { lossless: false },
        Some(FormatParam::WebpLossless) => OutputFormat::Webp { lossless: true },
        Some(FormatParam::Gif) => OutputFormat::Gif,
        Some(FormatParam::Avif) if avif_built => OutputFormat::Avif,
        Some(FormatParam::Avif) => {
            warnings.push("format=avif: this server has no AVIF encoder".to_owned());
            same
        }
        Some(FormatParam::Auto) => {
            if accepts.avif && avif_built {
                OutputFormat::Avif
            } else if accepts.webp {
                OutputFormat::Webp { lossless: false }
            } else {
                same
            }
        }
    }
}

/// Why a transform was not done.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The source cannot be transformed: it is served as it is, with `Fastly-IO-Error`.
    #[error(transparent)]
    Source(#[from] DecodeError),
    /// The request cannot be honoured at all (a 400).
    #[error(transparent)]
    Invalid(#[from] PlanError),
    /// Encoding failed (a bug; a 500).
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// A source (or an overlay) as its header describes it, and the size of its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    pub probe: Probe,
    pub file_size: u64,
}

/// What comes out.
#[derive(Debug)]
pub enum Outcome {
    /// A new image.
    Encoded {
        bytes: Vec<u8>,
        format: OutputFormat,
        width: u32,
        height: u32,
    },
    /// The source itself is the answer (nothing to change, an animated GIF kept, or a
    /// `quality` that would have made it larger).
    Original,
}

/// A transform worked out, not yet run.
#[derive(Debug)]
pub struct Prepared {
    pub input: Input,
    pub format: OutputFormat,
    pub warnings: Vec<String>,
    work: Option<Work>,
}

#[derive(Debug)]
struct Work {
    plan: Plan,
    step: DecodeStep,
    filter: ResizeFilter,
    transform: Transform,
    overlay: Option<(Overlay, Probe)>,
}

/// Reads the source's header (and the overlay's, if any) and plans the transform.
pub fn prepare(
    source: &[u8],
    transform: &Transform,
    accepts: Accepts,
    overlay: Option<&[u8]>,
    mut warnings: Vec<String>,
) -> Result<Prepared, Failure> {
    let probe = decode::probe(source)?;
    let input = Input {
        probe,
        file_size: source.len() as u64,
    };
    if probe.format == SourceFormat::Avif {
        // Known, but there is no AVIF decoder here.
        return Err(DecodeError::Unsupported.into());
    }
    let format = output_format(transform, probe.format, accepts, &mut warnings);
    let original = |warnings| Prepared {
        input,
        format,
        warnings,
        work: None,
    };
    // An animated GIF stays animated unless a frame or another format is asked for: the
    // transforms are not applied to it (as Contentstack documents for width and height).
    if probe.format == SourceFormat::Gif && format == OutputFormat::Gif && !transform.first_frame {
        for name in transform.names_in_effect() {
            warnings.push(format!("{name} does not apply to GIF (add frame=1)"));
        }
        return Ok(original(warnings));
    }
    let mut plan = plan::plan(
        Source {
            width: probe.width,
            height: probe.height,
            exif: probe.exif,
        },
        transform,
        format == OutputFormat::Avif,
    )?;
    warnings.append(&mut plan.warnings);
    let overlay = match (&transform.overlay, overlay) {
        (Some(spec), Some(bytes)) => match decode::probe(bytes) {
            Ok(overlay_probe) if overlay_probe.format != SourceFormat::Avif => {
                Some((spec.clone(), overlay_probe))
            }
            _ => {
                warnings.push("overlay is not an image that can be read: ignored".to_owned());
                None
            }
        },
        (Some(_), None) => {
            warnings.push("overlay names no asset of this stack: ignored".to_owned());
            None
        }
        _ => None,
    };
    let stored = (probe.width, probe.height);
    let same_format = output_format(
        &Transform::default(),
        probe.format,
        accepts,
        &mut Vec::new(),
    );
    let changes_pixels = !plan.keeps_geometry(stored)
        || overlay.is_some()
        || transform.bg_color.is_some()
        || transform.blur.is_some()
        || transform.sharpen.is_some()
        || transform.brightness.is_some()
        || transform.contrast.is_some()
        || transform.saturation.is_some();
    let requantises = format.is_lossy() && transform.quality.is_some();
    if !changes_pixels && format == same_format && !requantises {
        return Ok(original(warnings));
    }
    let filter = transform.resize_filter.unwrap_or(ResizeFilter::Lanczos3);
    let step = decode::decode_step(
        &probe,
        plan.source_rect,
        plan.resized,
        filter == ResizeFilter::Nearest,
    );
    Ok(Prepared {
        input,
        format,
        warnings,
        work: Some(Work {
            plan,
            step,
            filter,
            transform: transform.clone(),
            overlay,
        }),
    })
}

impl Prepared {
    /// Whether the source is the answer, with no work to do.
    pub fn is_original(&self) -> bool {
        self.work.is_none()
    }

    /// The most memory the work holds at once (an estimate on the safe side).
    pub fn memory_bytes(&self) -> u64 {
        let Some(work) = &self.work else {
            return 0;
        };
        let (rw, rh) = work.plan.resized;
        let (ow, oh) = work.plan.output_size();
        let overlay = work.overlay.as_ref().map_or(0, |(_, probe)| {
            let (w, h) = (u64::from(probe.width), u64::from(probe.height));
            // Decoded, and resized to at most the output.
            w * h * 4 * 2 + u64::from(ow) * u64::from(oh) * 4
        });
        // The decoded region, the resized image, then up to three output-sized buffers
        // (a filter's working copy in floats counts as four), and the encoded bytes.
        work.step.peak_bytes
            + u64::from(rw) * u64::from(rh) * 4
            + u64::from(ow) * u64::from(oh) * 4 * 6
            + overlay
    }

    /// Decodes, transforms and encodes. `source` and `overlay` are the bytes given to
    /// [`prepare`].
    pub fn run(self, source: &[u8], overlay: Option<&[u8]>) -> Result<Outcome, Failure> {
        let Some(work) = self.work else {
            return Ok(Outcome::Original);
        };
        let Work {
            plan,
            step,
            filter,
            transform,
            overlay: overlay_spec,
        } = work;
        let probe = self.input.probe;
        let format = self.format;

        let decoded = decode::decode(source, &probe, plan.source_rect, step)?;
        let resized = resize(decoded, plan.resized.0, plan.resized.1, filter);
        let mut image = resized.orient(plan.orientation);
        debug_assert_eq!((image.width, image.height), plan.image_size);

        if transform.brightness.is_some()
            || transform.contrast.is_some()
            || transform.saturation.is_some()
        {
            effects::adjust_colours(
                &mut image,
                transform.brightness,
                transform.contrast,
                transform.saturation,
            );
        }
        if let Some(sharpen) = &transform.sharpen {
            effects::sharpen(&mut image, sharpen);
        }
        if let Some(sigma) = transform.blur {
            effects::blur(&mut image, sigma);
        }
        if let Some(frame) = plan.frame {
            // White, or transparent where the output can be.
            let fill = transform
                .bg_color
                .map(|c| c.0)
                .unwrap_or(if format.supports_alpha() {
                    [0, 0, 0, 0]
                } else {
                    [255, 255, 255, 255]
                });
            image = image.place_on(frame.width, frame.height, frame.x, frame.y, fill);
        }
        if let Some(background) = transform.bg_color {
            image = image.flatten(background.0);
        }
        if let (Some((spec, overlay_probe)), Some(bytes)) = (overlay_spec, overlay) {
            image = draw_overlay(image, &spec, &overlay_probe, bytes)?;
        }
        if !format.supports_alpha() {
            image = image.flatten([255, 255, 255, 255]);
        }
        let (width, height) = (image.width, image.height);
        let bytes = encode::encode(image, format, transform.quality)?;
        if transform.only_quality() && bytes.len() as u64 >= self.input.file_size {
            return Ok(Outcome::Original);
        }
        Ok(Outcome::Encoded {
            bytes,
            format,
            width,
            height,
        })
    }
}

/// `overlay`: another image, sized, padded, aligned and repeated over the output.
fn draw_overlay(
    image: Pixels,
    spec: &Overlay,
    probe: &Probe,
    bytes: &[u8],
) -> Result<Pixels, Failure> {
    let mut base = image.into_rgba();
    let (bw, bh) = (base.width, base.height);
    let (stored_w, stored_h) = (probe.width, probe.height);
    let decoded = decode::decode(
        bytes,
        probe,
        Rect::whole(stored_w, stored_h),
        DecodeStep {
            shrink: 1,
            peak_bytes: 0,
        },
    )?
    .orient(probe.exif);
    let (natural_w, natural_h) = (decoded.width, decoded.height);
    let aspect = natural_w as f64 / natural_h as f64;
    let (w, h) = match (spec.width, spec.height) {
        (Some(w), Some(h)) => (w.resolve(bw), h.resolve(bh)),
        (Some(w), None) => {
            let w = w.resolve(bw);
            (w, ((w as f64) / aspect).round().max(1.0) as u32)
        }
        (None, Some(h)) => {
            let h = h.resolve(bh);
            (((h as f64) * aspect).round().max(1.0) as u32, h)
        }
        (None, None) => (natural_w, natural_h),
    };
    // Cut what could never show before resizing (a huge overlay on a small image).
    let (w, h) = (w.min(bw.max(1) * 2), h.min(bh.max(1) * 2));
    let top = resize(decoded, w, h, ResizeFilter::Lanczos3).into_rgba();
    let pad = spec.pad.map(|p| p.resolve(bw, bh)).unwrap_or_default();
    let x = match spec.align.0 {
        HAlign::Left => pad.left as i64,
        HAlign::Center => (bw as i64 - w as i64) / 2 + (pad.left as i64 - pad.right as i64) / 2,
        HAlign::Right => bw as i64 - w as i64 - pad.right as i64,
    };
    let y = match spec.align.1 {
        VAlign::Top => pad.top as i64,
        VAlign::Middle => (bh as i64 - h as i64) / 2 + (pad.top as i64 - pad.bottom as i64) / 2,
        VAlign::Bottom => bh as i64 - h as i64 - pad.bottom as i64,
    };
    // Repeating tiles the overlay from its aligned place to both edges of the axis.
    let positions = |start: i64, size: u32, extent: u32, repeat: bool| -> Vec<i64> {
        if !repeat {
            return vec![start];
        }
        let step = i64::from(size.max(1));
        let mut first = start;
        while first > 0 {
            first -= step;
        }
        (0..)
            .map(|i| first + i * step)
            .take_while(|p| *p < i64::from(extent))
            .collect()
    };
    let repeat_x = matches!(spec.repeat, Some(Repeat::X | Repeat::Both));
    let repeat_y = matches!(spec.repeat, Some(Repeat::Y | Repeat::Both));
    for ty in positions(y, h, bh, repeat_y) {
        for tx in positions(x, w, bw, repeat_x) {
            base.draw_over(&top, tx, ty);
        }
    }
    if base.layout == Layout::Rgba8 && !base.has_transparency() {
        base = base.into_rgb();
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers() {
        let a = Accepts::from_header(Some("image/avif,image/webp,image/apng,*/*;q=0.8"));
        assert!(a.webp && a.avif);
        let a = Accepts::from_header(Some("image/webp;q=0, */*"));
        assert!(!a.webp && !a.avif);
        assert_eq!(Accepts::from_header(None), Accepts::default());
    }

    #[test]
    fn auto_wins_for_clients_that_take_it_and_format_for_the_others() {
        let transform = Transform {
            auto: Some(AutoFormat::Webp),
            format: Some(FormatParam::ProgressiveJpeg),
            ..Transform::default()
        };
        let webp = Accepts {
            webp: true,
            avif: false,
        };
        let mut warnings = Vec::new();
        assert_eq!(
            output_format(&transform, SourceFormat::Png, webp, &mut warnings),
            OutputFormat::Webp { lossless: false }
        );
        assert_eq!(
            output_format(
                &transform,
                SourceFormat::Png,
                Accepts::default(),
                &mut warnings
            ),
            OutputFormat::Jpeg { progressive: true }
        );
        assert_eq!(
            output_format(&transform, SourceFormat::Gif, webp, &mut warnings),
            OutputFormat::Jpeg { progressive: true }
        );
        assert_eq!(warnings, ["auto does not apply to GIF"]);
    }
}
