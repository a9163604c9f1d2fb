//! The query parameters of the Image Delivery API, read into a [`Transform`]: every value
//! is checked against its documented syntax; a value that does not fit, or a parameter the
//! API does not know, is dropped with a warning (the best-effort image is still served, as
//! Fastly's image optimizer does, and the warnings go to `Fastly-IO-Warning`).

use std::fmt::Write as _;

/// Largest width or height a parameter may ask for (also the output limit).
pub const MAX_PIXELS: u32 = 8192;

/// Query parameters that belong to the delivery URL, not to the image: never warned about.
const DELIVERY_PARAMS: &[&str] = &[
    "environment",
    "access_token",
    "authtoken",
    "api_key",
    "branch",
    "locale",
];

/// A size: pixels, or a proportion of a reference size (`0.5`, `300p` = 3.0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Length {
    Pixels(u32),
    Fraction(f64),
}

impl Length {
    /// The length in pixels against `reference` (at least 1).
    pub fn resolve(self, reference: u32) -> u32 {
        match self {
            Length::Pixels(px) => px,
            Length::Fraction(f) => ((reference as f64) * f).round().max(1.0) as u32,
        }
    }

    /// Like [`Length::resolve`], but 0 stays 0 (sides of `pad` and `trim`).
    fn resolve_side(self, reference: u32) -> u32 {
        match self {
            Length::Pixels(px) => px,
            Length::Fraction(f) => ((reference as f64) * f).round().max(0.0) as u32,
        }
    }
}

/// Top, right, bottom and left, as CSS's shorthand gives them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sides {
    pub top: Length,
    pub right: Length,
    pub bottom: Length,
    pub left: Length,
}

/// Sides in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PixelSides {
    pub top: u32,
    pub right: u32,
    pub bottom: u32,
    pub left: u32,
}

impl Sides {
    /// In pixels, proportions taken of `width` (left, right) and `height` (top, bottom).
    pub fn resolve(&self, width: u32, height: u32) -> PixelSides {
        PixelSides {
            top: self.top.resolve_side(height),
            right: self.right.resolve_side(width),
            bottom: self.bottom.resolve_side(height),
            left: self.left.resolve_side(width),
        }
    }
}

/// The size part of `crop` and `canvas`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RegionSize {
    /// `W,H`.
    Dimensions(Length, Length),
    /// `W:H`.
    Aspect(f64, f64),
}

/// Where a region sits on one axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Position {
    /// `xN` / `yN`: the region's top-left corner.
    At(Length),
    /// `offset-xN` / `offset-yN`: N percent of the space left over goes before the region.
    Offset(f64),
}

/// `crop` and `canvas`: a size, where it sits (centred when not given), and the flags.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub size: RegionSize,
    pub x: Option<Position>,
    pub y: Option<Position>,
    /// Clip to the image instead of failing when the region goes outside it.
    pub safe: bool,
    /// Content-aware cropping was asked for (served as a centred crop).
    pub smart: bool,
}

/// `fit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    Bounds,
    Cover,
    Crop,
}

/// The output formats `format` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatParam {
    Jpeg,
    ProgressiveJpeg,
    Png,
    /// `webp`: lossy.
    Webp,
    WebpLossless,
    WebpLossy,
    Gif,
    Avif,
    /// `auto`: WebP or AVIF where the client takes it, else the source's format.
    Auto,
}

/// `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoFormat {
    Webp,
    Avif,
}

/// `resize-filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeFilter {
    Nearest,
    Bilinear,
    Bicubic,
    Lanczos2,
    Lanczos3,
}

/// `sharpen=a{amount},r{radius},t{threshold}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sharpen {
    pub amount: f64,
    pub radius: f64,
    pub threshold: u8,
}

/// An RGBA colour (`bg-color`); alpha 0-255.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgba(pub [u8; 4]);

/// Where an overlay sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HAlign {
    Left,
    Center,
    Right,
}

/// Where an overlay sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VAlign {
    Top,
    Middle,
    Bottom,
}

/// `overlay-repeat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    X,
    Y,
    Both,
}

/// The file an `overlay` names: `/v3/assets/{api_key}/{asset_uid}/{version_uid}/{filename}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayPath {
    pub api_key: String,
    pub asset_uid: String,
    pub version_uid: String,
    pub filename: String,
}

/// `overlay` and its companions.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub path: OverlayPath,
    pub align: (HAlign, VAlign),
    pub repeat: Option<Repeat>,
    pub width: Option<Length>,
    pub height: Option<Length>,
    pub pad: Option<Sides>,
}

/// Everything a request asks of an image; `None` is "not asked".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transform {
    pub width: Option<Length>,
    pub height: Option<Length>,
    pub dpr: Option<f64>,
    pub disable_upscale: bool,
    pub fit: Option<Fit>,
    pub crop: Option<Region>,
    pub trim: Option<Sides>,
    pub orient: Option<u8>,
    pub format: Option<FormatParam>,
    pub auto: Option<AutoFormat>,
    pub quality: Option<u8>,
    pub pad: Option<Sides>,
    pub bg_color: Option<Rgba>,
    pub canvas: Option<Region>,
    pub overlay: Option<Overlay>,
    pub blur: Option<f64>,
    pub sharpen: Option<Sharpen>,
    pub saturation: Option<f64>,
    pub contrast: Option<f64>,
    pub brightness: Option<f64>,
    pub resize_filter: Option<ResizeFilter>,
    /// `frame=1`: the first frame of an animated GIF.
    pub first_frame: bool,
}

/// A request's transform, with what was dropped from it and why.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub transform: Transform,
    pub warnings: Vec<String>,
    /// Whether any Image Delivery API parameter was given (valid or not).
    pub asks_for_image_work: bool,
}

impl Transform {
    /// Whether the answer depends on the client's `Accept` header.
    pub fn negotiates_format(&self) -> bool {
        self.auto.is_some() || self.format == Some(FormatParam::Auto)
    }

    /// Whether `quality` is the only thing asked (then a result larger than the original
    /// is not served: the original is).
    pub fn only_quality(&self) -> bool {
        self.quality.is_some()
            && Transform {
                quality: None,
                ..self.clone()
            } == Transform::default()
    }

    /// Whether anything changes the pixels' geometry (before the output is encoded).
    pub fn resizes(&self) -> bool {
        self.width.is_some() || self.height.is_some()
    }

    /// The parameter names in effect that do not apply to an animated GIF served as GIF.
    pub fn names_in_effect(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        let mut add = |on: bool, name: &'static str| {
            if on {
                names.push(name);
            }
        };
        add(self.width.is_some(), "width");
        add(self.height.is_some(), "height");
        add(self.dpr.is_some(), "dpr");
        add(self.disable_upscale, "disable");
        add(self.fit.is_some(), "fit");
        add(self.crop.is_some(), "crop");
        add(self.trim.is_some(), "trim");
        add(self.orient.is_some(), "orient");
        add(self.quality.is_some(), "quality");
        add(self.pad.is_some(), "pad");
        add(self.bg_color.is_some(), "bg-color");
        add(self.canvas.is_some(), "canvas");
        add(self.overlay.is_some(), "overlay");
        add(self.blur.is_some(), "blur");
        add(self.sharpen.is_some(), "sharpen");
        add(self.saturation.is_some(), "saturation");
        add(self.contrast.is_some(), "contrast");
        add(self.brightness.is_some(), "brightness");
        add(self.resize_filter.is_some(), "resize-filter");
        names
    }

    /// A stable text of the transform, for cache keys.
    pub fn canonical(&self) -> String {
        let mut text = String::new();
        let _ = write!(text, "{self:?}");
        text
    }
}

/// Longest value quoted back in a warning.
const MAX_QUOTED: usize = 64;

/// A value as a warning may quote it: printable ASCII only, shortened.
fn quote(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars().take(MAX_QUOTED) {
        if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        } else {
            out.push('?');
        }
    }
    if value.chars().count() > MAX_QUOTED {
        out.push_str("...");
    }
    out
}

/// Reads the parameters of an asset URL's query string (already split into pairs).
/// Later values of a repeated parameter win.
pub fn parse(pairs: &[(String, String)]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut overlay_path: Option<OverlayPath> = None;
    let mut align = None;
    let mut repeat = None;
    let mut overlay_width = None;
    let mut overlay_height = None;
    let mut overlay_pad = None;
    let t = &mut parsed.transform;
    let warnings = &mut parsed.warnings;
    let mut any = false;
    for (name, value) in pairs {
        let name = name.as_str();
        if DELIVERY_PARAMS.contains(&name) {
            continue;
        }
        any = true;
        // Spaces around a value are forgiven; nothing else is.
        let value = value.trim_matches(' ');
        let ok = match name {
            "width" => set(&mut t.width, dimension(value)),
            "height" => set(&mut t.height, dimension(value)),
            "dpr" => set(
                &mut t.dpr,
                number(value).filter(|d| *d > 0.0 && *d <= 10_000.0),
            ),
            "disable" => {
                let upscale = value == "upscale";
                t.disable_upscale |= upscale;
                upscale
            }
            "fit" => set(
                &mut t.fit,
                match value {
                    "bounds" => Some(Fit::Bounds),
                    "cover" => Some(Fit::Cover),
                    "crop" => Some(Fit::Crop),
                    _ => None,
                },
            ),
            "crop" => set(&mut t.crop, region(value, true)),
            "canvas" => set(&mut t.canvas, region(value, false)),
            "trim" => set(&mut t.trim, sides(value)),
            "pad" => set(&mut t.pad, sides(value)),
            "orient" => set(
                &mut t.orient,
                value.parse::<u8>().ok().filter(|o| (1..=8).contains(o)),
            ),
            "format" => set(&mut t.format, format(value)),
            "auto" => set(
                &mut t.auto,
                match value {
                    "webp" => Some(AutoFormat::Webp),
                    "avif" => Some(AutoFormat::Avif),
                    _ => None,
                },
            ),
            "quality" => set(
                &mut t.quality,
                value.parse::<u8>().ok().filter(|q| (1..=100).contains(q)),
            ),
            "bg-color" => set(&mut t.bg_color, colour(value)),
            "blur" => set(
                &mut t.blur,
                number(value).filter(|b| (1.0..=1000.0).contains(b)),
            ),
            "sharpen" => set(&mut t.sharpen, sharpen(value)),
            "saturation" => set(&mut t.saturation, percent_adjustment(value)),
            "contrast" => set(&mut t.contrast, percent_adjustment(value)),
            "brightness" => set(&mut t.brightness, percent_adjustment(value)),
            "resize-filter" => set(
                &mut t.resize_filter,
                match value {
                    "nearest" => Some(ResizeFilter::Nearest),
                    "bilinear" => Some(ResizeFilter::Bilinear),
                    "bicubic" => Some(ResizeFilter::Bicubic),
                    "lanczos2" => Some(ResizeFilter::Lanczos2),
                    "lanczos3" | "lanczos" => Some(ResizeFilter::Lanczos3),
                    _ => None,
                },
            ),
            "frame" => {
                let first = value == "1";
                t.first_frame |= first;
                first
            }
            "overlay" => set(&mut overlay_path, overlay(value)),
            "overlay-align" => set(&mut align, alignment(value)),
            "overlay-repeat" => set(
                &mut repeat,
                match value {
                    "x" => Some(Repeat::X),
                    "y" => Some(Repeat::Y),
                    "both" => Some(Repeat::Both),
                    _ => None,
                },
            ),
            "overlay-width" => set(&mut overlay_width, dimension(value)),
            "overlay-height" => set(&mut overlay_height, dimension(value)),
            "overlay-pad" => set(&mut overlay_pad, sides(value)),
            _ => {
                warnings.push(format!("unknown parameter {}", quote(name)));
                continue;
            }
        };
        if !ok {
            warnings.push(format!("invalid {name}={}", quote(value)));
        }
    }
    parsed.asks_for_image_work = any;

    let t = &mut parsed.transform;
    let warnings = &mut parsed.warnings;
    match overlay_path {
        Some(path) => {
            t.overlay = Some(Overlay {
                path,
                align: align.unwrap_or((HAlign::Center, VAlign::Middle)),
                repeat,
                width: overlay_width,
                height: overlay_height,
                pad: overlay_pad,
            });
        }
        None => {
            for (given, name) in [
                (align.is_some(), "overlay-align"),
                (repeat.is_some(), "overlay-repeat"),
                (overlay_width.is_some(), "overlay-width"),
                (overlay_height.is_some(), "overlay-height"),
                (overlay_pad.is_some(), "overlay-pad"),
            ] {
                if given {
                    warnings.push(format!("{name} needs overlay"));
                }
            }
        }
    }
    // Parameters that depend on others, as documented.
    if t.fit.is_some() && (t.width.is_none() || t.height.is_none()) {
        t.fit = None;
        warnings.push("fit needs both width and height".to_owned());
    }
    if t.dpr.is_some() && !t.resizes() {
        t.dpr = None;
        warnings.push("dpr needs width or height".to_owned());
    }
    if t.resize_filter.is_some() && !t.resizes() {
        t.resize_filter = None;
        warnings.push("resize-filter needs width or height".to_owned());
    }
    if t.disable_upscale && !t.resizes() {
        // Nothing to stop: not worth a warning, and not part of the variant.
        t.disable_upscale = false;
    }
    if t.canvas.is_some() && t.pad.is_some() {
        t.pad = None;
        warnings.push("pad is ignored with canvas".to_owned());
    }
    parsed
}

/// Stores a parsed value; false when it did not parse.
fn set<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    match value {
        Some(value) => {
            *slot = Some(value);
            true
        }
        None => false,
    }
}

/// A finite decimal number (no exponents, signs allowed).
fn number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        || digits.chars().filter(|c| *c == '.').count() > 1
        || digits == "."
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `-100` to `100`, decimals allowed.
fn percent_adjustment(text: &str) -> Option<f64> {
    number(text).filter(|v| (-100.0..=100.0).contains(v))
}

/// `width`, `height` and the overlay's: pixels 1-8192, a fraction `0.x`, or `NNNp`.
fn dimension(text: &str) -> Option<Length> {
    match length(text)? {
        Length::Pixels(px) if (1..=MAX_PIXELS).contains(&px) => Some(Length::Pixels(px)),
        Length::Fraction(f) if f > 0.0 => Some(Length::Fraction(f)),
        _ => None,
    }
}

/// Pixels (a whole number), a fraction below 1 (`0.25`), or a percentage (`25p`).
fn length(text: &str) -> Option<Length> {
    if let Some(percent) = text.strip_suffix('p') {
        let value = number(percent)?;
        return (0.0..=100_000.0)
            .contains(&value)
            .then_some(Length::Fraction(value / 100.0));
    }
    if text.contains('.') {
        let value = number(text)?;
        return (0.0..1.0)
            .contains(&value)
            .then_some(Length::Fraction(value));
    }
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) || text.len() > 6 {
        return None;
    }
    text.parse::<u32>().ok().map(Length::Pixels)
}

/// A length that may be 0 (a side of `pad` or `trim`, a position), up to 8192 pixels.
fn side(text: &str) -> Option<Length> {
    match length(text)? {
        Length::Pixels(px) if px <= MAX_PIXELS => Some(Length::Pixels(px)),
        Length::Fraction(f) if f <= 1.0 => Some(Length::Fraction(f)),
        _ => None,
    }
}

/// `t,r,b,l` with CSS's shorthand: 1, 2, 3 or 4 values.
fn sides(text: &str) -> Option<Sides> {
    let values: Vec<Length> = text
        .split(',')
        .map(|v| side(v.trim()))
        .collect::<Option<_>>()?;
    let (top, right, bottom, left) = match values.as_slice() {
        [all] => (*all, *all, *all, *all),
        [vertical, horizontal] => (*vertical, *horizontal, *vertical, *horizontal),
        [top, horizontal, bottom] => (*top, *horizontal, *bottom, *horizontal),
        [top, right, bottom, left] => (*top, *right, *bottom, *left),
        _ => return None,
    };
    Some(Sides {
        top,
        right,
        bottom,
        left,
    })
}

/// `crop` and `canvas`: `W,H` or `W:H`, then `xN`/`offset-xN`, `yN`/`offset-yN`, and
/// (crop only) `safe` and `smart`, in any order.
fn region(text: &str, is_crop: bool) -> Option<Region> {
    let mut tokens = text.split(',').map(str::trim);
    let first = tokens.next()?;
    let size = if let Some((w, h)) = first.split_once(':') {
        let (w, h) = (number(w)?, number(h)?);
        if w <= 0.0 || h <= 0.0 {
            return None;
        }
        RegionSize::Aspect(w, h)
    } else {
        let w = dimension(first)?;
        let h = dimension(tokens.next()?)?;
        RegionSize::Dimensions(w, h)
    };
    let mut region = Region {
        size,
        x: None,
        y: None,
        safe: false,
        smart: false,
    };
    for token in tokens {
        match token {
            "safe" if is_crop => region.safe = true,
            "smart" if is_crop => region.smart = true,
            _ => {
                let (slot, position) = if let Some(n) = token.strip_prefix("offset-x") {
                    (&mut region.x, Position::Offset(offset(n)?))
                } else if let Some(n) = token.strip_prefix("offset-y") {
                    (&mut region.y, Position::Offset(offset(n)?))
                } else if let Some(n) = token.strip_prefix('x') {
                    (&mut region.x, Position::At(side(n)?))
                } else if let Some(n) = token.strip_prefix('y') {
                    (&mut region.y, Position::At(side(n)?))
                } else {
                    return None;
                };
                // One way of placing per axis.
                if slot.is_some() {
                    return None;
                }
                *slot = Some(position);
            }
        }
    }
    Some(region)
}

/// An offset percentage, 0-100.
fn offset(text: &str) -> Option<f64> {
    number(text).filter(|n| (0.0..=100.0).contains(n))
}

fn format(text: &str) -> Option<FormatParam> {
    Some(match text {
        "jpg" => FormatParam::Jpeg,
        "pjpg" => FormatParam::ProgressiveJpeg,
        "png" => FormatParam::Png,
        "webp" => FormatParam::Webp,
        "webpll" => FormatParam::WebpLossless,
        "webply" => FormatParam::WebpLossy,
        "gif" => FormatParam::Gif,
        "avif" => FormatParam::Avif,
        "auto" => FormatParam::Auto,
        _ => return None,
    })
}

/// `cccccc`, `ccc`, `R,G,B` or `R,G,B,A` (alpha 0.0-1.0).
fn colour(text: &str) -> Option<Rgba> {
    if text.contains(',') {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        let channel = |s: &str| {
            if s.is_empty() || s.len() > 3 || !s.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            s.parse::<u8>().ok()
        };
        return match parts.as_slice() {
            [r, g, b] => Some(Rgba([channel(r)?, channel(g)?, channel(b)?, 255])),
            [r, g, b, a] => {
                let alpha = number(a).filter(|a| (0.0..=1.0).contains(a))?;
                Some(Rgba([
                    channel(r)?,
                    channel(g)?,
                    channel(b)?,
                    (alpha * 255.0).round() as u8,
                ]))
            }
            _ => None,
        };
    }
    if !text.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let hex = |s: &str| u8::from_str_radix(s, 16).ok();
    match text.len() {
        3 => {
            let digit = |i: usize| hex(&text[i..i + 1]).map(|v| v * 17);
            Some(Rgba([digit(0)?, digit(1)?, digit(2)?, 255]))
        }
        6 => Some(Rgba([
            hex(&text[0..2])?,
            hex(&text[2..4])?,
            hex(&text[4..6])?,
            255,
        ])),
        _ => None,
    }
}

/// `a{0-10},r{1-1000 or NNp},t{0-255}`, in any order; all three are needed.
fn sharpen(text: &str) -> Option<Sharpen> {
    let (mut amount, mut radius, mut threshold) = (None, None, None);
    for token in text.split(',').map(str::trim) {
        if let Some(n) = token.strip_prefix('a') {
            amount = Some(number(n).filter(|a| (0.0..=10.0).contains(a))?);
        } else if let Some(n) = token.strip_prefix('r') {
            let value = match n.strip_suffix('p') {
                Some(p) => number(p)? / 100.0,
                None => number(n)?,
            };
            radius = Some(Some(value).filter(|r| *r > 0.0 && *r <= 1000.0)?);
        } else if let Some(n) = token.strip_prefix('t') {
            threshold = Some(n.parse::<u8>().ok()?);
        } else {
            return None;
        }
    }
    Some(Sharpen {
        amount: amount?,
        radius: radius?,
        threshold: threshold?,
    })
}

/// A relative (or absolute) URL of an asset file: `/v3/assets/{api_key}/{uid}/{version}/{name}`.
fn overlay(text: &str) -> Option<OverlayPath> {
    let path = match text.find("/v3/assets/") {
        Some(start) => &text[start..],
        None => return None,
    };
    let path = path.split(['?', '#']).next()?;
    let parts: Vec<&str> = path.trim_start_matches("/v3/assets/").split('/').collect();
    match parts.as_slice() {
        [api_key, asset_uid, version_uid, filename]
            if parts.iter().all(|p| !p.is_empty() && p.len() <= 255) =>
        {
            Some(OverlayPath {
                api_key: (*api_key).to_owned(),
                asset_uid: (*asset_uid).to_owned(),
                version_uid: (*version_uid).to_owned(),
                filename: percent_encoding::percent_decode_str(filename)
                    .decode_utf8()
                    .ok()?
                    .into_owned(),
            })
        }
        _ => None,
    }
}

/// `overlay-align`: one or two of `top`, `bottom`, `left`, `right`, `middle`, `center`.
fn alignment(text: &str) -> Option<(HAlign, VAlign)> {
    let mut horizontal = None;
    let mut vertical = None;
    let words: Vec<&str> = text.split(',').map(str::trim).collect();
    if words.is_empty() || words.len() > 2 {
        return None;
    }
    for word in words {
        // `middle` names the vertical centre and `center` the horizontal one, each
        // taking the other axis when theirs is already set (`center,center`).
        let (to_horizontal, h, v) = match word {
            "left" => (true, HAlign::Left, VAlign::Middle),
            "right" => (true, HAlign::Right, VAlign::Middle),
            "top" => (false, HAlign::Center, VAlign::Top),
            "bottom" => (false, HAlign::Center, VAlign::Bottom),
            "middle" => (vertical.is_some(), HAlign::Center, VAlign::Middle),
            "center" => (horizontal.is_none(), HAlign::Center, VAlign::Middle),
            _ => return None,
        };
        let slot_taken = if to_horizontal {
            horizontal.replace(h).is_some()
        } else {
            vertical.replace(v).is_some()
        };
        if slot_taken {
            return None;
        }
    }
    Some((
        horizontal.unwrap_or(HAlign::Center),
        vertical.unwrap_or(VAlign::Middle),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    fn parse_query(query: &str) -> Parsed {
        parse(&pairs(query))
    }

    #[test]
    fn widths_are_pixels_fractions_or_percentages() {
        assert_eq!(dimension("300"), Some(Length::Pixels(300)));
        assert_eq!(dimension("0.5"), Some(Length::Fraction(0.5)));
        assert_eq!(dimension("300p"), Some(Length::Fraction(3.0)));
        assert_eq!(dimension("8192"), Some(Length::Pixels(8192)));
        for bad in [
            "0", "8193", "0.0", "1.5", "abc", "-3", "", "1e3", "99999999",
        ] {
            assert_eq!(dimension(bad), None, "{bad}");
        }
    }

    #[test]
    fn delivery_parameters_are_not_image_work() {
        let parsed = parse_query("environment=development&locale=en-us");
        assert!(!parsed.asks_for_image_work);
        assert!(parsed.warnings.is_empty());
    }

    #[test]
    fn bad_values_and_unknown_names_are_warned_and_dropped() {
        let parsed = parse_query("width=abc&height=50&foo=1&quality=0&format=tiff");
        assert_eq!(parsed.transform.height, Some(Length::Pixels(50)));
        assert_eq!(parsed.transform.width, None);
        assert_eq!(parsed.transform.quality, None);
        assert_eq!(
            parsed.warnings,
            [
                "invalid width=abc",
                "unknown parameter foo",
                "invalid quality=0",
                "invalid format=tiff"
            ]
        );
    }

    #[test]
    fn warnings_never_quote_control_characters() {
        let parsed = parse_query("width=%0d%0aSet-Cookie:x");
        assert_eq!(parsed.warnings, ["invalid width=??Set-Cookie:x"]);
    }

    #[test]
    fn crop_forms() {
        let crop = |q: &str| region(q, true).unwrap();
        assert_eq!(
            crop("150,100"),
            Region {
                size: RegionSize::Dimensions(Length::Pixels(150), Length::Pixels(100)),
                x: None,
                y: None,
                safe: false,
                smart: false
            }
        );
        let r = crop("4:3,offset-x10,y0.5,safe,smart");
        assert_eq!(r.size, RegionSize::Aspect(4.0, 3.0));
        assert_eq!(r.x, Some(Position::Offset(10.0)));
        assert_eq!(r.y, Some(Position::At(Length::Fraction(0.5))));
        assert!(r.safe && r.smart);
        let r = crop("300,0.6,y20,x10");
        assert_eq!(r.x, Some(Position::At(Length::Pixels(10))));
        assert_eq!(r.y, Some(Position::At(Length::Pixels(20))));
        assert_eq!(
            crop("50p,100p").size,
            RegionSize::Dimensions(Length::Fraction(0.5), Length::Fraction(1.0))
        );
        for bad in [
            "150",
            "150,abc",
            "1:0",
            "150,100,x1,offset-x2",
            "150,100,z3",
        ] {
            assert_eq!(region(bad, true), None, "{bad}");
        }
        assert_eq!(region("150,100,safe", false), None);
    }

    #[test]
    fn sides_use_css_shorthand() {
        let px = Length::Pixels;
        assert_eq!(
            sides("10").unwrap().resolve(100, 100),
            PixelSides {
                top: 10,
                right: 10,
                bottom: 10,
                left: 10
            }
        );
        assert_eq!(
            sides("10,20").unwrap(),
            Sides {
                top: px(10),
                right: px(20),
                bottom: px(10),
                left: px(20)
            }
        );
        assert_eq!(
            sides("1,2,3").unwrap(),
            Sides {
                top: px(1),
                right: px(2),
                bottom: px(3),
                left: px(2)
            }
        );
        assert_eq!(
            sides("0.1,25p,0,4").unwrap().resolve(200, 100),
            PixelSides {
                top: 10,
                right: 50,
                bottom: 0,
                left: 4
            }
        );
        assert_eq!(sides("1,2,3,4,5"), None);
    }

    #[test]
    fn colours() {
        assert_eq!(colour("ccc"), Some(Rgba([204, 204, 204, 255])));
        assert_eq!(colour("FF0080"), Some(Rgba([255, 0, 128, 255])));
        assert_eq!(colour("255,0,0"), Some(Rgba([255, 0, 0, 255])));
        assert_eq!(colour("0,0,0,0.5"), Some(Rgba([0, 0, 0, 128])));
        for bad in ["cc", "gggggg", "256,0,0", "0,0,0,2", "1,2"] {
            assert_eq!(colour(bad), None, "{bad}");
        }
    }

    #[test]
    fn sharpen_needs_all_three() {
        assert_eq!(
            sharpen("a5,r1000,t2"),
            Some(Sharpen {
                amount: 5.0,
                radius: 1000.0,
                threshold: 2
            })
        );
        assert_eq!(sharpen("a5,r2"), None);
        assert_eq!(sharpen("a11,r2,t0"), None);
    }

    #[test]
    fn overlay_paths_and_alignment() {
        let parsed =
            parse_query("overlay=/v3/assets/blt1/blt2/abc/circle.png&overlay-align=left,bottom");
        let overlay = parsed.transform.overlay.unwrap();
        assert_eq!(overlay.path.filename, "circle.png");
        assert_eq!(overlay.align, (HAlign::Left, VAlign::Bottom));
        assert_eq!(
            alignment("middle,center"),
            Some((HAlign::Center, VAlign::Middle))
        );
        assert_eq!(alignment("center"), Some((HAlign::Center, VAlign::Middle)));
        assert_eq!(alignment("top,right"), Some((HAlign::Right, VAlign::Top)));
        assert_eq!(alignment("left,right"), None);
        let lonely = parse_query("overlay-align=top");
        assert_eq!(lonely.warnings, ["overlay-align needs overlay"]);
    }

    #[test]
    fn dependent_parameters_need_their_partners() {
        let parsed = parse_query("fit=crop&width=10&dpr=2&resize-filter=nearest");
        assert_eq!(parsed.transform.fit, None);
        assert_eq!(parsed.transform.dpr, Some(2.0));
        assert_eq!(parsed.warnings, ["fit needs both width and height"]);
        let parsed = parse_query("dpr=2&resize-filter=nearest");
        assert_eq!(parsed.transform.dpr, None);
        assert_eq!(
            parsed.warnings,
            [
                "dpr needs width or height",
                "resize-filter needs width or height"
            ]
        );
    }

    #[test]
    fn only_quality_is_recognised() {
        assert!(parse_query("quality=50").transform.only_quality());
        assert!(!parse_query("quality=50&width=3").transform.only_quality());
    }
}
