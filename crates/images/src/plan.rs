//! The geometry of a transform, worked out from the source's size and EXIF orientation
//! alone, before any pixel is decoded: which rectangle of the stored image is kept (trim,
//! crop and `fit`'s crop together), what it is resized to, how it is turned, and the
//! canvas it is padded onto. Knowing this first lets the decoder read only what is needed
//! (and at a reduced scale), and lets the output limits be checked up front.

use super::orientation::{Orientation, Rect};
use super::params::{Fit, Length, MAX_PIXELS, Position, Region, RegionSize, Transform};

/// Most pixels of an AVIF output (4,096 x 4,096).
pub const MAX_AVIF_AREA: u64 = 4096 * 4096;

/// Why a transform cannot be done at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Fastly's own words for a crop outside the image without `safe`.
    #[error("Invalid transformation for requested image: Invalid crop, region out of bounds")]
    CropOutOfBounds,
}

/// Where the resized image sits on a larger canvas (`canvas` or `pad`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub x: u32,
    pub y: u32,
}

/// What to do with the pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The rectangle of the stored (not yet oriented) image that is kept.
    pub source_rect: Rect,
    /// The size that rectangle is resized to, still in the stored orientation.
    pub resized: (u32, u32),
    /// Applied after resizing: EXIF's orientation, then `orient`'s.
    pub orientation: Orientation,
    /// The image's size once resized and oriented.
    pub image_size: (u32, u32),
    /// The canvas around it, if any.
    pub frame: Option<Frame>,
    /// What was adjusted or dropped, for `Fastly-IO-Warning`.
    pub warnings: Vec<String>,
}

impl Plan {
    /// The size of the output.
    pub fn output_size(&self) -> (u32, u32) {
        match self.frame {
            Some(frame) => (frame.width, frame.height),
            None => self.image_size,
        }
    }

    /// Whether the pixels come out as they went in.
    pub fn keeps_geometry(&self, stored: (u32, u32)) -> bool {
        self.source_rect == Rect::whole(stored.0, stored.1)
            && self.resized == stored
            && self.orientation.is_identity()
            && self.frame.is_none()
    }
}

/// The source as its header describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub width: u32,
    pub height: u32,
    /// The EXIF orientation, applied before anything else.
    pub exif: Orientation,
}

/// Works out the geometry of `transform` on `source`; `avif` says the output is AVIF
/// (whose area limit is smaller).
pub fn plan(source: Source, transform: &Transform, avif: bool) -> Result<Plan, PlanError> {
    let mut warnings = Vec::new();
    let (display_w, display_h) = source.exif.size(source.width, source.height);
    let mut kept = Rect::whole(display_w, display_h);

    if let Some(trim) = &transform.trim {
        let sides = trim.resolve(kept.width, kept.height);
        if sides.left + sides.right >= kept.width || sides.top + sides.bottom >= kept.height {
            warnings.push("trim removes the whole image: ignored".to_owned());
        } else {
            kept = Rect {
                x: kept.x + sides.left,
                y: kept.y + sides.top,
                width: kept.width - sides.left - sides.right,
                height: kept.height - sides.top - sides.bottom,
            };
        }
    }
    if let Some(crop) = &transform.crop {
        kept = kept.offset(crop_rect(crop, kept.width, kept.height)?);
    }

    let orient = Orientation::from_code(transform.orient.unwrap_or(1));
    let (oriented_w, oriented_h) = orient.size(kept.width, kept.height);
    let mut out = (oriented_w, oriented_h);
    if transform.resizes() {
        let dpr = transform.dpr.unwrap_or(1.0);
        let scaled = |length: Option<Length>, reference: u32| {
            length.map(|l| ((l.resolve(reference) as f64) * dpr).round().max(1.0))
        };
        let (w, h) = (
            scaled(transform.width, oriented_w),
            scaled(transform.height, oriented_h),
        );
        let aspect = oriented_w as f64 / oriented_h as f64;
        out = match (w, h, transform.fit) {
            (Some(w), Some(h), Some(Fit::Bounds)) => {
                let scale = (w / oriented_w as f64).min(h / oriented_h as f64);
                (scale_dim(oriented_w, scale), scale_dim(oriented_h, scale))
            }
            (Some(w), Some(h), Some(Fit::Cover | Fit::Crop)) => {
                // Fill the box, cutting the centre of the side that is too long (done
                // as a crop before resizing, which gives the same pixels for less work).
                let inner = centred_aspect_rect(oriented_w, oriented_h, w / h);
                let back = orient.source_rect(kept.width, kept.height, inner);
                kept = kept.offset(back);
                (w as u32, h as u32)
            }
            (Some(w), Some(h), None) => (w as u32, h as u32),
            (Some(w), None, _) => (w as u32, ((w / aspect).round() as u32).max(1)),
            (None, Some(h), _) => (((h * aspect).round() as u32).max(1), h as u32),
            (None, None, _) => (oriented_w, oriented_h),
        };
        if transform.disable_upscale {
            let (region_w, region_h) = orient.size(kept.width, kept.height);
            if out.0 > region_w || out.1 > region_h {
                let scale = (region_w as f64 / out.0 as f64).min(region_h as f64 / out.1 as f64);
                out = (scale_dim(out.0, scale), scale_dim(out.1, scale));
            }
        }
    }
    let limit = if avif { 4096 } else { MAX_PIXELS };
    if out.0 > limit || out.1 > limit {
        let scale = (limit as f64 / out.0 as f64).min(limit as f64 / out.1 as f64);
        warnings.push(format!(
            "output {}x{} is over the limit of {limit}x{limit}: scaled down",
            out.0, out.1
        ));
        out = (
            scale_dim(out.0, scale).min(limit),
            scale_dim(out.1, scale).min(limit),
        );
    }

    let frame = frame(transform, out, &mut warnings, limit);
    let orientation = source.exif.then(orient);
    let source_rect = source.exif.source_rect(source.width, source.height, kept);
    // Resize in the stored orientation: turning the small result is cheaper.
    let resized = orientation.size(out.0, out.1);
    Ok(Plan {
        source_rect,
        resized,
        orientation,
        image_size: out,
        frame,
        warnings,
    })
}

fn scale_dim(value: u32, scale: f64) -> u32 {
    ((value as f64) * scale).round().max(1.0) as u32
}

/// The largest rectangle of `aspect` (width / height) centred in `width` x `height`.
fn centred_aspect_rect(width: u32, height: u32, aspect: f64) -> Rect {
    let (w, h) = if (width as f64 / height as f64) > aspect {
        (((height as f64) * aspect).round().max(1.0) as u32, height)
    } else {
        (width, ((width as f64) / aspect).round().max(1.0) as u32)
    };
    let (w, h) = (w.min(width), h.min(height));
    Rect {
        x: (width - w) / 2,
        y: (height - h) / 2,
        width: w,
        height: h,
    }
}

/// Where `crop` cuts, in an image of `width` x `height`.
fn crop_rect(crop: &Region, width: u32, height: u32) -> Result<Rect, PlanError> {
    let (w, h) = match crop.size {
        RegionSize::Dimensions(w, h) => (w.resolve(width), h.resolve(height)),
        RegionSize::Aspect(a, b) => {
            let rect = centred_aspect_rect(width, height, a / b);
            (rect.width, rect.height)
        }
    };
    let x = place(crop.x, width, w);
    let y = place(crop.y, height, h);
    let inside = x.is_some_and(|x| x + w <= width) && y.is_some_and(|y| y + h <= height);
    if inside {
        return Ok(Rect {
            x: x.unwrap_or(0),
            y: y.unwrap_or(0),
            width: w,
            height: h,
        });
    }
    if !crop.safe {
        return Err(PlanError::CropOutOfBounds);
    }
    // `safe`: what the region and the image have in common.
    let (x, y) = (x.unwrap_or(0), y.unwrap_or(0));
    if x >= width || y >= height {
        return Err(PlanError::CropOutOfBounds);
    }
    Ok(Rect {
        x,
        y,
        width: w.min(width - x),
        height: h.min(height - y),
    })
}

/// Where a region of `size` starts on an axis of `extent`; `None` when a centred or
/// offset region is larger than the axis (it would start before 0).
fn place(position: Option<Position>, extent: u32, size: u32) -> Option<u32> {
    match position {
        Some(Position::At(at)) => Some(match at {
            Length::Pixels(px) => px,
            Length::Fraction(f) => ((extent as f64) * f).round() as u32,
        }),
        Some(Position::Offset(percent)) => {
            let room = extent.checked_sub(size)?;
            Some(((room as f64) * percent / 100.0).round() as u32)
        }
        None => Some(extent.checked_sub(size)? / 2),
    }
}

/// The canvas of `canvas` (or else `pad`) around an image of `size`.
fn frame(
    transform: &Transform,
    size: (u32, u32),
    warnings: &mut Vec<String>,
    limit: u32,
) -> Option<Frame> {
    let (w, h) = size;
    let frame = if let Some(canvas) = &transform.canvas {
        let (cw, ch) = match canvas.size {
            RegionSize::Dimensions(cw, ch) => (cw.resolve(w), ch.resolve(h)),
            RegionSize::Aspect(a, b) => {
                let aspect = a / b;
                if (w as f64 / h as f64) > aspect {
                    (w, ((w as f64) / aspect).round() as u32)
                } else {
                    (((h as f64) * aspect).round() as u32, h)
                }
            }
        };
        if cw < w || ch < h {
            warnings.push(format!(
                "canvas {cw}x{ch} is smaller than the image ({w}x{h}): ignored"
            ));
            return None;
        }
        let x = place(canvas.x, cw, w).unwrap_or(0).min(cw - w);
        let y = place(canvas.y, ch, h).unwrap_or(0).min(ch - h);
        Frame {
            width: cw,
            height: ch,
            x,
            y,
        }
    } else if let Some(pad) = &transform.pad {
        let sides = pad.resolve(w, h);
        Frame {
            width: w + sides.left + sides.right,
            height: h + sides.top + sides.bottom,
            x: sides.left,
            y: sides.top,
        }
    } else {
        return None;
    };
    if frame.width > limit || frame.height > limit {
        warnings.push(format!(
            "padded output {}x{} is over the limit of {limit}x{limit}: not padded",
            frame.width, frame.height
        ));
        return None;
    }
    if (frame.width, frame.height) == (w, h) {
        return None;
    }
    Some(frame)
}

#[cfg(test)]
mod tests {
    use super::super::params::{self, Parsed};
    use super::*;

    fn parsed(query: &str) -> Parsed {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        params::parse(&pairs)
    }

    fn plan_of(width: u32, height: u32, exif: u8, query: &str) -> Result<Plan, PlanError> {
        let source = Source {
            width,
            height,
            exif: Orientation::from_code(exif),
        };
        plan(source, &parsed(query).transform, false)
    }

    #[test]
    fn one_dimension_keeps_the_aspect_ratio() {
        let p = plan_of(1280, 800, 1, "width=100").unwrap();
        assert_eq!(p.image_size, (100, 63));
        let p = plan_of(1280, 800, 1, "height=0.5").unwrap();
        assert_eq!(p.image_size, (640, 400));
        let p = plan_of(100, 50, 1, "width=300p").unwrap();
        assert_eq!(p.image_size, (300, 150));
    }

    #[test]
    fn both_dimensions_are_used_as_given_unless_fit_says_otherwise() {
        assert_eq!(
            plan_of(1280, 800, 1, "width=100&height=50")
                .unwrap()
                .image_size,
            (100, 50)
        );
        assert_eq!(
            plan_of(1280, 800, 1, "width=100&height=50&fit=bounds")
                .unwrap()
                .image_size,
            (80, 50)
        );
        let p = plan_of(1280, 800, 1, "width=100&height=100&fit=crop").unwrap();
        assert_eq!(p.image_size, (100, 100));
        assert_eq!(
            p.source_rect,
            Rect {
                x: 240,
                y: 0,
                width: 800,
                height: 800
            }
        );
    }

    #[test]
    fn dpr_multiplies_and_upscale_can_be_disabled() {
        assert_eq!(
            plan_of(400, 200, 1, "height=50&dpr=2").unwrap().image_size,
            (200, 100)
        );
        assert_eq!(
            plan_of(400, 200, 1, "width=1000").unwrap().image_size,
            (1000, 500)
        );
        assert_eq!(
            plan_of(400, 200, 1, "width=1000&disable=upscale")
                .unwrap()
                .image_size,
            (400, 200)
        );
    }

    #[test]
    fn exif_orientation_comes_first() {
        // Stored 200x100, shown turned right: 100x200.
        let p = plan_of(200, 100, 6, "width=50").unwrap();
        assert_eq!(p.image_size, (50, 100));
        assert_eq!(p.resized, (100, 50));
        // A crop of the top half of what is shown is the left half of what is stored.
        let p = plan_of(200, 100, 6, "crop=100,100,x0,y0").unwrap();
        assert_eq!(
            p.source_rect,
            Rect {
                x: 0,
                y: 0,
                width: 100,
                height: 100
            }
        );
    }

    #[test]
    fn crops_out_of_bounds_fail_unless_safe() {
        assert_eq!(
            plan_of(100, 100, 1, "crop=150,50"),
            Err(PlanError::CropOutOfBounds)
        );
        assert_eq!(
            plan_of(100, 100, 1, "crop=50,50,x60,y0"),
            Err(PlanError::CropOutOfBounds)
        );
        let p = plan_of(100, 100, 1, "crop=50,50,x60,y0,safe").unwrap();
        assert_eq!(
            p.source_rect,
            Rect {
                x: 60,
                y: 0,
                width: 40,
                height: 50
            }
        );
        let p = plan_of(100, 100, 1, "crop=150,50,safe").unwrap();
        assert_eq!(p.image_size, (100, 50));
    }

    #[test]
    fn crop_positions_and_aspect() {
        let rect = |q: &str| plan_of(2000, 1000, 1, q).unwrap().source_rect;
        assert_eq!(
            rect("crop=1000,1000,offset-x10"),
            Rect {
                x: 100,
                y: 0,
                width: 1000,
                height: 1000
            }
        );
        assert_eq!(
            rect("crop=1:1"),
            Rect {
                x: 500,
                y: 0,
                width: 1000,
                height: 1000
            }
        );
        assert_eq!(
            rect("crop=0.5,0.5,x0.1,y0.2"),
            Rect {
                x: 200,
                y: 200,
                width: 1000,
                height: 500
            }
        );
    }

    #[test]
    fn outputs_are_limited() {
        let p = plan_of(1000, 500, 1, "width=2000p").unwrap();
        assert_eq!(p.image_size, (8192, 4096));
        assert_eq!(p.warnings.len(), 1);
        let source = Source {
            width: 8000,
            height: 8000,
            exif: Orientation::IDENTITY,
        };
        let p = plan(source, &Transform::default(), true).unwrap();
        assert_eq!(p.image_size, (4096, 4096));
    }

    #[test]
    fn pad_and_canvas() {
        let p = plan_of(100, 50, 1, "pad=10,20").unwrap();
        assert_eq!(
            p.frame,
            Some(Frame {
                width: 140,
                height: 70,
                x: 20,
                y: 10
            })
        );
        let p = plan_of(100, 50, 1, "canvas=1:1").unwrap();
        assert_eq!(
            p.frame,
            Some(Frame {
                width: 100,
                height: 100,
                x: 0,
                y: 25
            })
        );
        let p = plan_of(100, 50, 1, "canvas=200,100,x0,offset-y100").unwrap();
        assert_eq!(
            p.frame,
            Some(Frame {
                width: 200,
                height: 100,
                x: 0,
                y: 50
            })
        );
        let p = plan_of(100, 50, 1, "canvas=50,50").unwrap();
        assert_eq!(p.frame, None);
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn trim_removes_edges() {
        let p = plan_of(100, 100, 1, "trim=10,20").unwrap();
        assert_eq!(
            p.source_rect,
            Rect {
                x: 20,
                y: 10,
                width: 60,
                height: 80
            }
        );
    }
}
