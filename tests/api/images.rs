//! The Image Delivery API on file URLs: every parameter with its edge values, checked by
//! decoding what comes back (format, dimensions, pixels), the Fastly headers, the limits,
//! and the variant cache (ETag, 304, Range, one transform for many requests, LRU bound,
//! removal with the asset and the stack).

use std::io::Cursor;

use reqwest::header::HeaderMap;

use crate::helpers::*;

// ---- fixtures -------------------------------------------------------------------------

/// An RGB image as rows of pixels, built by `paint(x, y)`.
fn rgb(width: u32, height: u32, paint: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut data = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            data.extend_from_slice(&paint(x, y));
        }
    }
    data
}

/// A smooth, photo-like gradient.
fn gradient(width: u32, height: u32) -> Vec<u8> {
    rgb(width, height, |x, y| {
        [
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            ((x + y) % 256) as u8,
        ]
    })
}

/// Left half red, right half blue.
fn halves(width: u32, height: u32) -> Vec<u8> {
    rgb(width, height, |x, _| {
        if x < width / 2 {
            [255, 0, 0]
        } else {
            [0, 0, 255]
        }
    })
}

fn jpeg(width: u32, height: u32, data: &[u8], exif_orientation: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 92);
    if let Some(code) = exif_orientation {
        // A little-endian TIFF header with one IFD0 entry: Orientation (SHORT).
        let mut exif = b"Exif\0\0II\x2a\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        exif.extend_from_slice(&code.to_le_bytes());
        exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        encoder.add_app_segment(1, &exif).unwrap();
    }
    encoder
        .encode(
            data,
            width as u16,
            height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    out
}

fn png_of(width: u32, height: u32, data: &[u8], colour: image::ExtendedColorType) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(data, width, height, colour)
        .unwrap();
    out
}

fn png_rgb(width: u32, height: u32, data: &[u8]) -> Vec<u8> {
    png_of(width, height, data, image::ExtendedColorType::Rgb8)
}

/// A two-frame animated GIF: red, then blue.
fn animated_gif(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut out);
        encoder
            .set_repeat(image::codecs::gif::Repeat::Infinite)
            .unwrap();
        for colour in [[255u8, 0, 0, 255], [0, 0, 255, 255]] {
            let frame = image::RgbaImage::from_pixel(width, height, image::Rgba(colour));
            encoder.encode_frame(image::Frame::new(frame)).unwrap();
        }
    }
    out
}

/// What came back, decoded.
struct Decoded {
    format: &'static str,
    width: u32,
    height: u32,
    rgba: image::RgbaImage,
}

impl Decoded {
    fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        self.rgba.get_pixel(x, y).0
    }
}

fn decode(bytes: &[u8]) -> Decoded {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
        let data = decoder.decode().expect("a JPEG");
        let info = decoder.info().unwrap();
        let (w, h) = (u32::from(info.width), u32::from(info.height));
        let rgba = match info.pixel_format {
            jpeg_decoder::PixelFormat::RGB24 => {
                image::DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, data).unwrap())
                    .into_rgba8()
            }
            jpeg_decoder::PixelFormat::L8 => {
                image::DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, data).unwrap())
                    .into_rgba8()
            }
            other => panic!("unexpected JPEG pixels {other:?}"),
        };
        return Decoded {
            format: "jpeg",
            width: w,
            height: h,
            rgba,
        };
    }
    let format = image::guess_format(bytes).expect("an image format");
    let image = image::load_from_memory(bytes).expect("an image that decodes");
    Decoded {
        format: match format {
            image::ImageFormat::Png => "png",
            image::ImageFormat::Gif => "gif",
            image::ImageFormat::WebP => "webp",
            other => panic!("unexpected format {other:?}"),
        },
        width: image.width(),
        height: image.height(),
        rgba: image.into_rgba8(),
    }
}

fn close(a: [u8; 4], b: [u8; 4], tolerance: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tolerance)
}

// ---- the harness ----------------------------------------------------------------------

struct Images {
    server: TestServer,
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Whether a `Vary` header names `Accept` (CORS adds its own `Vary` values).
    fn varies_on_accept(&self) -> bool {
        self.headers
            .get_all("vary")
            .iter()
            .flat_map(|v| v.to_str().unwrap().split(','))
            .any(|name| name.trim().eq_ignore_ascii_case("accept"))
    }

    fn decoded(&self) -> Decoded {
        assert_eq!(self.status, 200, "{:?}", self.headers);
        decode(&self.bytes)
    }
}

impl Images {
    async fn start() -> Images {
        Images {
            server: TestServer::start().await,
        }
    }

    async fn start_with(args: &[&str]) -> Images {
        Images {
            server: TestServer::start_with(args).await,
        }
    }

    /// Uploads a file; returns its URL (on 127.0.0.1).
    async fn upload(&self, filename: &str, bytes: &[u8]) -> String {
        let asset = self.server.upload(filename, bytes, &[]).await;
        asset["url"]
            .as_str()
            .unwrap()
            .replace("localhost", "127.0.0.1")
    }

    async fn get(&self, url: &str, query: &str) -> Answer {
        self.get_with(url, query, &[]).await
    }

    async fn get_with(&self, url: &str, query: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.server.client.get(format!("{url}?{query}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap().to_vec();
        Answer {
            status,
            headers,
            bytes,
        }
    }

    /// The decoded image of `url?query`.
    async fn image(&self, url: &str, query: &str) -> Decoded {
        self.get(url, query).await.decoded()
    }
}

// ---- resizing -------------------------------------------------------------------------

#[tokio::test]
async fn width_and_height_in_pixels_fractions_and_percentages() {
    let t = Images::start().await;
    let url = t
        .upload("photo.jpg", &jpeg(1280, 800, &gradient(1280, 800), None))
        .await;
    let dims = |d: Decoded| (d.format, d.width, d.height);
    assert_eq!(dims(t.image(&url, "width=300").await), ("jpeg", 300, 188));
    assert_eq!(dims(t.image(&url, "height=200").await), ("jpeg", 320, 200));
    assert_eq!(dims(t.image(&url, "width=0.5").await), ("jpeg", 640, 400));
    assert_eq!(dims(t.image(&url, "height=0.25").await), ("jpeg", 320, 200));
    assert_eq!(
        dims(t.image(&url, "width=150p").await),
        ("jpeg", 1920, 1200)
    );
    // Both are used as given.
    assert_eq!(
        dims(t.image(&url, "width=100&height=50").await),
        ("jpeg", 100, 50)
    );
    // The smallest and the largest allowed.
    assert_eq!(dims(t.image(&url, "width=1").await), ("jpeg", 1, 1));
    let answer = t.get(&url, "width=8192&height=10").await;
    assert_eq!(dims(answer.decoded()), ("jpeg", 8192, 10));
}

#[tokio::test]
async fn fit_bounds_cover_and_crop() {
    let t = Images::start().await;
    let url = t
        .upload("photo.png", &png_rgb(400, 200, &halves(400, 200)))
        .await;
    let bounds = t.image(&url, "width=100&height=100&fit=bounds").await;
    assert_eq!((bounds.width, bounds.height), (100, 50));
    for fit in ["cover", "crop"] {
        let filled = t
            .image(&url, &format!("width=100&height=100&fit={fit}"))
            .await;
        assert_eq!((filled.width, filled.height), (100, 100), "{fit}");
        // The centre 200x200 was kept: red on the left, blue on the right.
        assert!(close(filled.pixel(5, 50), [255, 0, 0, 255], 8), "{fit}");
        assert!(close(filled.pixel(95, 50), [0, 0, 255, 255], 8), "{fit}");
    }
    // fit needs both: ignored with a warning.
    let answer = t.get(&url, "width=100&fit=crop").await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("fit needs both width and height")
    );
    assert_eq!(answer.decoded().height, 50);
}

#[tokio::test]
async fn dpr_multiplies_and_upscale_can_be_disabled() {
    let t = Images::start().await;
    let url = t
        .upload("small.png", &png_rgb(200, 100, &gradient(200, 100)))
        .await;
    let d = t.image(&url, "height=50&dpr=2").await;
    assert_eq!((d.width, d.height), (200, 100));
    let d = t.image(&url, "width=30&dpr=1.5").await;
    assert_eq!((d.width, d.height), (45, 23));
    // Upscaling is the default...
    let d = t.image(&url, "width=400").await;
    assert_eq!((d.width, d.height), (400, 200));
    // ...unless disabled.
    let d = t.image(&url, "width=400&disable=upscale").await;
    assert_eq!((d.width, d.height), (200, 100));
    let d = t.image(&url, "width=100&dpr=4&disable=upscale").await;
    assert_eq!((d.width, d.height), (200, 100));
    // dpr alone does nothing, and says so.
    let answer = t.get(&url, "dpr=2").await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("dpr needs width or height")
    );
    assert_eq!(answer.decoded().width, 200);
}

#[tokio::test]
async fn output_is_limited_to_8192_pixels() {
    let t = Images::start().await;
    let url = t
        .upload("wide.png", &png_rgb(100, 50, &gradient(100, 50)))
        .await;
    let answer = t.get(&url, "width=10000p").await;
    assert_eq!(answer.status, 200);
    let d = answer.decoded();
    assert_eq!((d.width, d.height), (8192, 4096));
    assert!(
        answer
            .header("fastly-io-warning")
            .unwrap()
            .contains("over the limit of 8192x8192"),
        "{:?}",
        answer.headers
    );
    // A width above 8192 is not a valid value at all.
    let answer = t.get(&url, "width=8193").await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("invalid width=8193")
    );
}

#[tokio::test]
async fn resize_filters() {
    let t = Images::start().await;
    // A 2x1 image: black, white.
    let url = t
        .upload("pair.png", &png_rgb(2, 1, &[0, 0, 0, 255, 255, 255]))
        .await;
    let nearest = t.image(&url, "width=8&resize-filter=nearest").await;
    let row: Vec<u8> = (0..8).map(|x| nearest.pixel(x, 0)[0]).collect();
    assert_eq!(row, [0, 0, 0, 0, 255, 255, 255, 255]);
    for filter in ["bilinear", "bicubic", "lanczos2", "lanczos3", "lanczos"] {
        let smooth = t
            .image(&url, &format!("width=8&resize-filter={filter}"))
            .await;
        assert_eq!(smooth.width, 8);
        let middle = smooth.pixel(3, 0)[0];
        assert!(middle > 0 && middle < 255, "{filter}: {middle}");
    }
    let answer = t.get(&url, "resize-filter=nearest").await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("resize-filter needs width or height")
    );
}

// ---- cropping, trimming, orientation ------------------------------------------------------

#[tokio::test]
async fn crop_in_every_form() {
    let t = Images::start().await;
    let url = t
        .upload("halves.png", &png_rgb(200, 100, &halves(200, 100)))
        .await;
    let d = t.image(&url, "crop=50,40").await;
    assert_eq!((d.width, d.height), (50, 40));
    // Centred: the seam between red and blue is in the middle.
    assert!(close(d.pixel(10, 20), [255, 0, 0, 255], 0));
    assert!(close(d.pixel(40, 20), [0, 0, 255, 255], 0));
    // Fractions and `p`, mixed.
    let d = t.image(&url, "crop=0.25,50p").await;
    assert_eq!((d.width, d.height), (50, 50));
    // A corner: all red.
    let d = t.image(&url, "crop=40,40,x10,y0").await;
    assert!(close(d.pixel(39, 39), [255, 0, 0, 255], 0));
    // y and x in any order; fractions for the corner.
    let d = t.image(&url, "crop=40,40,y0.5,x0.75").await;
    assert_eq!((d.width, d.height), (40, 40));
    assert!(close(d.pixel(0, 0), [0, 0, 255, 255], 0));
    // Offsets spread the room left over: 0% is the left edge, 100% the right.
    let d = t.image(&url, "crop=100,100,offset-x100,offset-y0").await;
    assert!(close(d.pixel(0, 0), [0, 0, 255, 255], 0));
    let d = t.image(&url, "crop=100,100,offset-x0").await;
    assert!(close(d.pixel(99, 0), [255, 0, 0, 255], 0));
    // An aspect ratio: the largest centred square, then resized by width.
    let d = t.image(&url, "crop=1:1").await;
    assert_eq!((d.width, d.height), (100, 100));
    let d = t.image(&url, "crop=1:1&width=20").await;
    assert_eq!((d.width, d.height), (20, 20));
    // `smart` is served as the same crop.
    let d = t.image(&url, "crop=1:1,smart").await;
    assert_eq!((d.width, d.height), (100, 100));
}

#[tokio::test]
async fn crop_out_of_bounds_fails_unless_safe() {
    let t = Images::start().await;
    let url = t
        .upload("halves.png", &png_rgb(200, 100, &halves(200, 100)))
        .await;
    for query in ["crop=300,50", "crop=50,50,x180,y0", "crop=10,10,x0,y100"] {
        let answer = t.get(&url, query).await;
        assert_eq!(answer.status, 400, "{query}");
        let message =
            "Invalid transformation for requested image: Invalid crop, region out of bounds";
        assert_eq!(String::from_utf8_lossy(&answer.bytes), message);
        assert_eq!(answer.header("fastly-io-error"), Some(message));
    }
    // With `safe`: what the region and the image have in common.
    let d = t.image(&url, "crop=50,50,x180,y0,safe").await;
    assert_eq!((d.width, d.height), (20, 50));
    let d = t.image(&url, "crop=300,50,safe").await;
    assert_eq!((d.width, d.height), (200, 50));
}

#[tokio::test]
async fn trim_removes_edges_in_css_shorthand() {
    let t = Images::start().await;
    let url = t
        .upload("halves.png", &png_rgb(200, 100, &halves(200, 100)))
        .await;
    let d = t.image(&url, "trim=10").await;
    assert_eq!((d.width, d.height), (180, 80));
    let d = t.image(&url, "trim=10,50,20").await;
    assert_eq!((d.width, d.height), (100, 70));
    // Only the left edge, in percent: the blue half is left.
    let d = t.image(&url, "trim=0,0,0,50p").await;
    assert_eq!((d.width, d.height), (100, 100));
    assert!(close(d.pixel(0, 0), [0, 0, 255, 255], 0));
    let answer = t.get(&url, "trim=0,100").await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("trim removes the whole image: ignored")
    );
    assert_eq!(answer.decoded().width, 200);
}

#[tokio::test]
async fn orient_turns_and_mirrors_as_numbered() {
    let t = Images::start().await;
    // 4x2: red on the left, blue on the right.
    let url = t.upload("halves.png", &png_rgb(4, 2, &halves(4, 2))).await;
    let red = [255, 0, 0, 255];
    let blue = [0, 0, 255, 255];
    // (size, colour of the top-left pixel, colour of the bottom-right pixel)
    let cases = [
        (1, (4, 2), red, blue),
        (2, (4, 2), blue, red),
        (3, (4, 2), blue, red),
        (4, (4, 2), red, blue),
        (5, (2, 4), red, blue),
        (6, (2, 4), red, blue),
        (7, (2, 4), blue, red),
        (8, (2, 4), blue, red),
    ];
    for (code, size, top_left, bottom_right) in cases {
        let d = t.image(&url, &format!("orient={code}")).await;
        assert_eq!((d.width, d.height), size, "orient={code}");
        assert_eq!(d.pixel(0, 0), top_left, "orient={code}");
        assert_eq!(
            d.pixel(size.0 - 1, size.1 - 1),
            bottom_right,
            "orient={code}"
        );
    }
    // 6 turns right: the red left half becomes the top.
    let d = t.image(&url, "orient=6").await;
    assert_eq!(d.pixel(1, 0), red);
    assert_eq!(d.pixel(0, 3), blue);
    let answer = t.get(&url, "orient=9").await;
    assert_eq!(answer.header("fastly-io-warning"), Some("invalid orient=9"));
}

#[tokio::test]
async fn exif_orientation_is_applied_before_everything_else() {
    let t = Images::start().await;
    // Stored 200x100 red|blue, tagged "turned right" (6): shown 100x200, red on top.
    let url = t
        .upload("phone.jpg", &jpeg(200, 100, &halves(200, 100), Some(6)))
        .await;
    let d = t.image(&url, "width=50").await;
    assert_eq!((d.width, d.height), (50, 100));
    assert!(
        close(d.pixel(25, 10), [255, 0, 0, 255], 40),
        "{:?}",
        d.pixel(25, 10)
    );
    assert!(
        close(d.pixel(25, 90), [0, 0, 255, 255], 40),
        "{:?}",
        d.pixel(25, 90)
    );
    // Even a change of format alone turns it upright.
    let d = t.image(&url, "format=png").await;
    assert_eq!((d.width, d.height), (100, 200));
    // A crop's coordinates are those of the upright image: the top half is red.
    let d = t.image(&url, "crop=100,100,x0,y0").await;
    assert!(close(d.pixel(50, 50), [255, 0, 0, 255], 40));
    // `orient` applies on top of it.
    let d = t.image(&url, "orient=3").await;
    assert_eq!((d.width, d.height), (100, 200));
    assert!(close(d.pixel(50, 190), [255, 0, 0, 255], 40));
}

// ---- formats and quality --------------------------------------------------------------

/// Whether a JPEG is progressive (its frame header is SOF2).
fn is_progressive(jpeg: &[u8]) -> bool {
    jpeg.windows(2).any(|w| w == [0xFF, 0xC2])
}

/// The first image chunk of a WebP: `VP8 ` (lossy) or `VP8L` (lossless).
fn webp_kind(webp: &[u8]) -> &str {
    let kind = if &webp[12..16] == b"VP8X" {
        webp.windows(4)
            .skip(16)
            .find(|w| *w == b"VP8 " || *w == b"VP8L")
            .unwrap()
    } else {
        &webp[12..16]
    };
    std::str::from_utf8(kind).unwrap()
}

#[tokio::test]
async fn every_output_format() {
    let t = Images::start().await;
    let url = t
        .upload("photo.png", &png_rgb(64, 48, &gradient(64, 48)))
        .await;
    for (format, content_type, decoded_as) in [
        ("jpg", "image/jpeg", "jpeg"),
        ("pjpg", "image/jpeg", "jpeg"),
        ("png", "image/png", "png"),
        ("webp", "image/webp", "webp"),
        ("webpll", "image/webp", "webp"),
        ("webply", "image/webp", "webp"),
        ("gif", "image/gif", "gif"),
    ] {
        let answer = t.get(&url, &format!("format={format}&width=32")).await;
        assert_eq!(
            answer.header("content-type"),
            Some(content_type),
            "{format}"
        );
        let d = answer.decoded();
        assert_eq!(
            (d.format, d.width, d.height),
            (decoded_as, 32, 24),
            "{format}"
        );
        match format {
            "jpg" => assert!(!is_progressive(&answer.bytes)),
            "pjpg" => assert!(is_progressive(&answer.bytes)),
            "webp" | "webply" => assert_eq!(webp_kind(&answer.bytes), "VP8 "),
            "webpll" => {
                assert_eq!(webp_kind(&answer.bytes), "VP8L");
                // Lossless: the pixels are exactly those resized.
                let png = t.image(&url, "format=png&width=32").await;
                assert_eq!(d.rgba, png.rgba);
            }
            _ => {}
        }
    }
    let answer = t.get(&url, "format=avif&width=32").await;
    if cfg!(feature = "avif") {
        assert_eq!(answer.header("content-type"), Some("image/avif"));
        assert!(answer.bytes[4..12] == *b"ftypavif", "an AVIF file");
        let info = answer.header("fastly-io-info").unwrap();
        assert!(info.ends_with("odim=32x24 ofmt=avif"), "{info}");
    } else {
        assert_eq!(answer.header("content-type"), Some("image/png"));
        assert_eq!(
            answer.header("fastly-io-warning"),
            Some("format=avif: this server has no AVIF encoder")
        );
    }
    let answer = t.get(&url, "format=tiff").await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("invalid format=tiff")
    );
}

#[tokio::test]
async fn auto_follows_the_accept_header() {
    let t = Images::start().await;
    let url = t
        .upload("photo.jpg", &jpeg(64, 48, &gradient(64, 48), None))
        .await;
    let webp = t
        .get_with(&url, "auto=webp&width=32", &[("accept", "image/webp,*/*")])
        .await;
    assert_eq!(webp.header("content-type"), Some("image/webp"));
    assert_eq!(webp.decoded().format, "webp");
    assert!(webp.varies_on_accept());
    let plain = t
        .get_with(&url, "auto=webp&width=32", &[("accept", "*/*")])
        .await;
    assert_eq!(plain.decoded().format, "jpeg");
    assert!(plain.varies_on_accept());
    assert_ne!(webp.header("etag"), plain.header("etag"));
    // Others get `format`.
    let answer = t.get(&url, "auto=webp&format=png").await;
    assert_eq!(answer.decoded().format, "png");
    let answer = t
        .get_with(&url, "auto=webp&format=png", &[("accept", "image/webp")])
        .await;
    assert_eq!(answer.decoded().format, "webp");
    // format=auto picks WebP for clients that take it too.
    let answer = t
        .get_with(&url, "format=auto&width=10", &[("accept", "image/webp")])
        .await;
    assert_eq!(answer.decoded().format, "webp");
    let answer = t.get(&url, "format=auto&width=10").await;
    assert_eq!(answer.decoded().format, "jpeg");
    // Without auto, Accept changes nothing and nothing varies.
    let answer = t
        .get_with(&url, "width=10", &[("accept", "image/webp")])
        .await;
    assert_eq!(answer.decoded().format, "jpeg");
    assert!(!answer.varies_on_accept());
}

#[tokio::test]
async fn auto_does_not_apply_to_gif() {
    let t = Images::start().await;
    let url = t.upload("anim.gif", &animated_gif(20, 10)).await;
    let answer = t
        .get_with(&url, "auto=webp&frame=1", &[("accept", "image/webp")])
        .await;
    assert_eq!(answer.decoded().format, "gif");
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("auto does not apply to GIF")
    );
}

#[tokio::test]
async fn quality_applies_to_lossy_outputs_only() {
    let t = Images::start().await;
    let photo = jpeg(400, 300, &gradient(400, 300), None);
    let url = t.upload("photo.jpg", &photo).await;
    let low = t.get(&url, "quality=10&width=200").await;
    let high = t.get(&url, "quality=95&width=200").await;
    assert!(
        low.bytes.len() < high.bytes.len(),
        "{} {}",
        low.bytes.len(),
        high.bytes.len()
    );
    assert_eq!(low.decoded().width, 200);
    // Only quality, and the result would be smaller: it is served.
    let smaller = t.get(&url, "quality=20").await;
    assert!(smaller.bytes.len() < photo.len());
    assert_eq!(smaller.decoded().width, 400);
    // Only quality, and the result would be larger: the original is served.
    let larger = t.get(&url, "quality=100").await;
    assert_eq!(larger.bytes, photo);
    let info = larger.header("fastly-io-info").unwrap();
    assert_eq!(
        info,
        format!(
            "ifsz={0} idim=400x300 ifmt=jpeg ofsz={0} odim=400x300 ofmt=jpeg",
            photo.len()
        )
    );
    // On PNG it is ignored: the original, as it is.
    let png = png_rgb(40, 30, &gradient(40, 30));
    let png_url = t.upload("flat.png", &png).await;
    let answer = t.get(&png_url, "quality=10").await;
    assert_eq!(answer.bytes, png);
    assert_eq!(answer.header("content-type"), Some("image/png"));
    assert!(
        answer
            .header("fastly-io-info")
            .unwrap()
            .ends_with("ofmt=png")
    );
    // And on a PNG output.
    let answer = t.get(&url, "quality=10&format=png&width=100").await;
    let again = t.get(&url, "format=png&width=100").await;
    assert_eq!(answer.bytes, again.bytes);
    let answer = t.get(&url, "quality=0").await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("invalid quality=0")
    );
}

// ---- padding, canvas, background ---------------------------------------------------------

#[tokio::test]
async fn pad_canvas_and_bg_color() {
    let t = Images::start().await;
    let url = t
        .upload(
            "red.jpg",
            &jpeg(40, 20, &rgb(40, 20, |_, _| [255, 0, 0]), None),
        )
        .await;
    // White padding on a JPEG.
    let d = t.image(&url, "pad=10,20").await;
    assert_eq!((d.width, d.height), (80, 40));
    assert!(close(d.pixel(2, 2), [255, 255, 255, 255], 4));
    assert!(close(d.pixel(40, 20), [255, 0, 0, 255], 40));
    // Transparent padding where the output can be.
    let d = t.image(&url, "pad=5&format=png").await;
    assert_eq!((d.width, d.height), (50, 30));
    assert_eq!(d.pixel(1, 1)[3], 0);
    // bg-color colours it, in any of its spellings.
    for colour in ["00ff00", "0f0", "0,255,0", "0,255,0,1"] {
        let d = t
            .image(&url, &format!("pad=5&format=png&bg-color={colour}"))
            .await;
        assert_eq!(d.pixel(1, 1), [0, 255, 0, 255], "{colour}");
    }
    // Percentages of the image.
    let d = t.image(&url, "pad=0.5,0,0,0").await;
    assert_eq!((d.width, d.height), (40, 30));
    // canvas: grows to a size or an aspect, centred or placed; it beats pad.
    let d = t.image(&url, "canvas=60,60").await;
    assert_eq!((d.width, d.height), (60, 60));
    assert!(close(d.pixel(30, 30), [255, 0, 0, 255], 40));
    assert!(close(d.pixel(30, 5), [255, 255, 255, 255], 4));
    let d = t.image(&url, "canvas=1:1&bg-color=000000").await;
    assert_eq!((d.width, d.height), (40, 40));
    assert!(close(d.pixel(20, 2), [0, 0, 0, 255], 4));
    let d = t.image(&url, "canvas=100,40,x0,y0").await;
    assert!(close(d.pixel(5, 5), [255, 0, 0, 255], 40));
    assert!(close(d.pixel(95, 35), [255, 255, 255, 255], 4));
    let answer = t.get(&url, "canvas=80,80&pad=10").await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("pad is ignored with canvas")
    );
    assert_eq!(answer.decoded().width, 80);
    let answer = t.get(&url, "canvas=10,10").await;
    assert!(
        answer
            .header("fastly-io-warning")
            .unwrap()
            .contains("smaller than the image")
    );
}

#[tokio::test]
async fn bg_color_replaces_transparency() {
    let t = Images::start().await;
    // Half transparent, half opaque green.
    let data: Vec<u8> = (0..20 * 10)
        .flat_map(|i| {
            if i % 20 < 10 {
                [0, 0, 0, 0]
            } else {
                [0, 255, 0, 255]
            }
        })
        .collect();
    let url = t
        .upload(
            "cut.png",
            &png_of(20, 10, &data, image::ExtendedColorType::Rgba8),
        )
        .await;
    let d = t.image(&url, "bg-color=ff0000").await;
    assert_eq!(d.pixel(2, 2), [255, 0, 0, 255]);
    assert_eq!(d.pixel(15, 2), [0, 255, 0, 255]);
    // As JPEG without bg-color: white.
    let d = t.image(&url, "format=jpg").await;
    assert!(close(d.pixel(2, 2), [255, 255, 255, 255], 4));
    // A transparent background keeps the alpha it gives.
    let d = t.image(&url, "bg-color=0,0,255,0.5").await;
    assert_eq!(d.pixel(2, 2), [0, 0, 255, 128]);
}

// ---- overlay -----------------------------------------------------------------------------

#[tokio::test]
async fn overlay_another_asset_aligned_sized_and_repeated() {
    let t = Images::start().await;
    let base = t
        .upload(
            "white.png",
            &png_rgb(100, 60, &rgb(100, 60, |_, _| [255, 255, 255])),
        )
        .await;
    let mark = t
        .upload("mark.png", &png_rgb(10, 10, &rgb(10, 10, |_, _| [0, 0, 0])))
        .await;
    let mark_path = mark
        .split("127.0.0.1")
        .nth(1)
        .unwrap()
        .split_once('/')
        .unwrap()
        .1;
    let overlay = format!("overlay=/{mark_path}");
    // Centred by default.
    let d = t.image(&base, &overlay).await;
    assert_eq!((d.width, d.height), (100, 60));
    assert_eq!(d.pixel(50, 30), [0, 0, 0, 255]);
    assert_eq!(d.pixel(5, 5), [255, 255, 255, 255]);
    // Aligned to a corner, with padding.
    let d = t
        .image(
            &base,
            &format!("{overlay}&overlay-align=left,bottom&overlay-pad=5"),
        )
        .await;
    assert_eq!(d.pixel(6, 50), [0, 0, 0, 255]);
    assert_eq!(d.pixel(2, 58), [255, 255, 255, 255]);
    assert_eq!(d.pixel(50, 30), [255, 255, 255, 255]);
    // Sized: a fraction of the output.
    let d = t
        .image(
            &base,
            &format!("{overlay}&overlay-width=0.5&overlay-align=top,left"),
        )
        .await;
    assert_eq!(d.pixel(45, 45), [0, 0, 0, 255]);
    assert_eq!(d.pixel(55, 5), [255, 255, 255, 255]);
    // Repeated along x: a black band across the middle.
    let d = t.image(&base, &format!("{overlay}&overlay-repeat=x")).await;
    assert_eq!(d.pixel(1, 30), [0, 0, 0, 255]);
    assert_eq!(d.pixel(98, 30), [0, 0, 0, 255]);
    assert_eq!(d.pixel(50, 5), [255, 255, 255, 255]);
    let d = t
        .image(&base, &format!("{overlay}&overlay-repeat=both"))
        .await;
    assert_eq!(d.pixel(1, 1), [0, 0, 0, 255]);
    // An asset that does not exist, or one of another stack: left out, with a warning.
    let answer = t
        .get(
            &base,
            "overlay=/v3/assets/blt0000000000000001/blt123/abc/none.png",
        )
        .await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("overlay names no asset of this stack: ignored")
    );
    assert_eq!(answer.decoded().pixel(50, 30), [255, 255, 255, 255]);
    let other = mark_path.replace(API_KEY, "blt9999999999999999");
    let answer = t.get(&base, &format!("overlay=/{other}")).await;
    assert_eq!(answer.decoded().pixel(50, 30), [255, 255, 255, 255]);
    let answer = t.get(&base, "overlay-align=top").await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("overlay-align needs overlay")
    );
}

// ---- filters -------------------------------------------------------------------------------

#[tokio::test]
async fn colour_adjustments_blur_and_sharpen() {
    let t = Images::start().await;
    let url = t
        .upload("halves.png", &png_rgb(40, 20, &halves(40, 20)))
        .await;
    let d = t.image(&url, "brightness=100").await;
    assert_eq!(d.pixel(5, 5), [255, 255, 255, 255]);
    let d = t.image(&url, "brightness=-100").await;
    assert_eq!(d.pixel(5, 5), [0, 0, 0, 255]);
    let d = t.image(&url, "contrast=-100").await;
    assert_eq!(d.pixel(5, 5), [128, 128, 128, 255]);
    let d = t.image(&url, "saturation=-100").await;
    let [r, g, b, _] = d.pixel(5, 5);
    assert!(r == g && g == b, "grey: {r} {g} {b}");
    let d = t.image(&url, "saturation=0.5&contrast=10.25").await;
    assert_eq!(d.width, 40);
    // A blur mixes red and blue at the seam; far from it nothing changes.
    let d = t.image(&url, "blur=3").await;
    let seam = d.pixel(20, 10);
    assert!(seam[0] > 20 && seam[2] > 20, "{seam:?}");
    assert_eq!(d.pixel(1, 10), [255, 0, 0, 255]);
    // Sharpening an edge overshoots on both sides of it; a high threshold leaves it.
    let step = rgb(40, 1, |x, _| if x < 20 { [100; 3] } else { [150; 3] });
    let step_url = t.upload("step.png", &png_rgb(40, 1, &step)).await;
    let d = t.image(&step_url, "sharpen=a5,r2,t0").await;
    assert!(
        d.pixel(19, 0)[0] < 100 && d.pixel(20, 0)[0] > 150,
        "{:?}",
        d.pixel(19, 0)
    );
    assert_eq!(d.pixel(2, 0)[0], 100);
    let d = t.image(&step_url, "sharpen=a5,r2,t255").await;
    assert_eq!((d.pixel(19, 0)[0], d.pixel(20, 0)[0]), (100, 150));
    for bad in [
        "blur=0",
        "blur=1001",
        "brightness=101",
        "sharpen=a5,r2",
        "saturation=abc",
    ] {
        let answer = t.get(&url, bad).await;
        assert_eq!(
            answer.header("fastly-io-warning"),
            Some(format!("invalid {bad}").as_str()),
            "{bad}"
        );
    }
}

// ---- GIF ------------------------------------------------------------------------------------

#[tokio::test]
async fn animated_gifs_are_kept_unless_a_frame_is_asked_for() {
    let t = Images::start().await;
    let gif = animated_gif(40, 20);
    let url = t.upload("anim.gif", &gif).await;
    let answer = t.get(&url, "width=20").await;
    assert_eq!(answer.bytes, gif, "the animation is served as it is");
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("width does not apply to GIF (add frame=1)")
    );
    assert!(
        answer
            .header("fastly-io-info")
            .unwrap()
            .ends_with("odim=40x20 ofmt=gif")
    );
    // frame=1: the first frame, transformed.
    let d = t.image(&url, "frame=1&width=20").await;
    assert_eq!((d.format, d.width, d.height), ("gif", 20, 10));
    assert!(close(d.pixel(10, 5), [255, 0, 0, 255], 8));
    // Another format: the first frame.
    let d = t.image(&url, "format=png").await;
    assert_eq!((d.format, d.width), ("png", 40));
    assert!(close(d.pixel(10, 5), [255, 0, 0, 255], 8));
    let answer = t.get(&url, "frame=2").await;
    assert_eq!(answer.header("fastly-io-warning"), Some("invalid frame=2"));
}

// ---- headers, warnings, originals ---------------------------------------------------------

#[tokio::test]
async fn fastly_io_info_reports_what_went_in_and_came_out() {
    let t = Images::start().await;
    let photo = jpeg(320, 200, &gradient(320, 200), None);
    let url = t.upload("photo.jpg", &photo).await;
    let answer = t.get(&url, "width=160&format=png").await;
    assert_eq!(
        answer.header("fastly-io-info").unwrap(),
        format!(
            "ifsz={} idim=320x200 ifmt=jpeg ofsz={} odim=160x100 ofmt=png",
            photo.len(),
            answer.bytes.len()
        )
    );
    assert_eq!(
        answer.header("content-length").unwrap(),
        answer.bytes.len().to_string()
    );
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn bad_and_unknown_parameters_are_warned_about_and_the_rest_applies() {
    let t = Images::start().await;
    let url = t
        .upload("photo.png", &png_rgb(200, 100, &gradient(200, 100)))
        .await;
    let answer = t
        .get(
            &url,
            "width=abc&height=50&colour=red&environment=development&fit=wide",
        )
        .await;
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("invalid width=abc; unknown parameter colour; invalid fit=wide")
    );
    let d = answer.decoded();
    assert_eq!((d.width, d.height), (100, 50));
    // Nothing valid at all: the original, with the warning.
    let original = png_rgb(200, 100, &gradient(200, 100));
    let answer = t.get(&url, "width=-1").await;
    assert_eq!(answer.bytes, original);
    assert_eq!(answer.header("fastly-io-warning"), Some("invalid width=-1"));
    // Delivery parameters alone are not image work: the file as it is, no Fastly headers.
    let answer = t.get(&url, "environment=development&locale=en-us").await;
    assert_eq!(answer.bytes, original);
    assert_eq!(answer.header("fastly-io-info"), None);
    assert_eq!(answer.header("fastly-io-warning"), None);
    // A change of nothing (the same format): the original, reported.
    let answer = t.get(&url, "format=png").await;
    assert_eq!(answer.bytes, original);
    assert!(answer.header("fastly-io-info").is_some());
    // Header injection through a quoted value is impossible.
    let answer = t.get(&url, "width=%0d%0aSet-Cookie:%20x").await;
    assert_eq!(answer.header("set-cookie"), None);
    assert_eq!(
        answer.header("fastly-io-warning"),
        Some("invalid width=??Set-Cookie: x")
    );
}

#[tokio::test]
async fn files_that_are_not_images_are_served_as_they_are() {
    let t = Images::start().await;
    let url = t.upload("notes.txt", b"not an image").await;
    let answer = t.get(&url, "width=100&format=webp").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.bytes, b"not an image");
    assert_eq!(answer.header("content-type"), Some("text/plain"));
    assert_eq!(answer.header("fastly-io-info"), None);
    // An image type that cannot be decoded: as it is, with Fastly's error.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>";
    let url = t.upload("icon.svg", svg).await;
    let answer = t.get(&url, "width=5").await;
    assert_eq!(answer.bytes, svg);
    assert_eq!(
        answer.header("fastly-io-error"),
        Some("Not a supported image format")
    );
    // A damaged image: as it is, with Fastly's error.
    let mut broken = png_rgb(50, 50, &gradient(50, 50));
    let cut = broken.len() / 2;
    broken.truncate(cut);
    let url = t.upload("broken.png", &broken).await;
    let answer = t.get(&url, "width=5").await;
    assert_eq!(answer.bytes, broken);
    assert_eq!(
        answer.header("fastly-io-error"),
        Some("Image could not be parsed")
    );
}

#[tokio::test]
async fn permanent_urls_take_parameters_too() {
    let t = Images::start().await;
    let asset = t
        .server
        .upload("photo.png", &png_rgb(80, 40, &gradient(80, 40)), &[])
        .await;
    let uid = asset["uid"].as_str().unwrap();
    let url = t.server.url(&format!("/v3/assets/{API_KEY}/{uid}"));
    let d = t.image(&url, "width=20").await;
    assert_eq!((d.width, d.height), (20, 10));
}

// ---- limits ---------------------------------------------------------------------------------

#[tokio::test]
async fn inputs_over_the_limits_are_served_untransformed_with_fastly_io_error() {
    let t = Images::start().await;
    // A header that claims 13,000 x 10 pixels.
    let mut huge = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    huge.extend_from_slice(&13_000u32.to_be_bytes());
    huge.extend_from_slice(&10u32.to_be_bytes());
    huge.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    let url = t.upload("huge.png", &huge).await;
    let answer = t.get(&url, "width=100").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.bytes, huge);
    assert_eq!(
        answer.header("fastly-io-error"),
        Some("Image exceeds maximum dimensions")
    );

    // Over 50 MB.
    let mut big = png_rgb(4, 4, &gradient(4, 4));
    big.resize(50 * 1024 * 1024 + 1, 0);
    let url = t.upload("big.png", &big).await;
    let answer = t.get(&url, "width=2").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.bytes.len(), big.len());
    assert_eq!(
        answer.header("fastly-io-error"),
        Some("Image exceeds maximum file size")
    );
}

/// A black-and-white PNG of `side` x `side` pixels, all black: some 40 KB (one bit a
/// pixel, deflated) that unpack to `side`² bytes of grey.
fn png_bomb(side: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let row = vec![0u8; side.div_ceil(8) as usize];
        for _ in 0..side {
            std::io::Write::write_all(&mut stream, &row).unwrap();
        }
        stream.finish().unwrap();
    }
    out
}

/// The peak resident memory of a process, in bytes (Linux's VmHWM).
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test]
async fn a_decompression_bomb_stays_within_memory() {
    let bomb = png_bomb(12_000);
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
    // A budget of 64 MiB for transforms.
    let t = Images::start_with(&["--image-memory-bytes", "67108864"]).await;
    let url = t.upload("bomb.png", &bomb).await;
    let before = peak_rss(t.server.pid());
    // Shrunk as it streams: a small image, little memory.
    let d = t.image(&url, "width=300").await;
    assert_eq!((d.width, d.height), (300, 300));
    let d = t.image(&url, "crop=100,100,x5000,y5000").await;
    assert_eq!((d.width, d.height), (100, 100));
    let after = peak_rss(t.server.pid());
    eprintln!(
        "bomb: peak RSS {} MiB before, {} MiB after the small transforms",
        before >> 20,
        after >> 20
    );
    // The full image (8,192 x 8,192 at most) needs more than the budget: refused, and
    // served as it is.
    let answer = t.get(&url, "format=webp").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.bytes, bomb);
    assert!(
        answer
            .header("fastly-io-error")
            .unwrap()
            .contains("more than this server allows"),
        "{:?}",
        answer.headers
    );
    let peak = peak_rss(t.server.pid());
    eprintln!("bomb: peak RSS {} MiB at the end", peak >> 20);
    assert!(peak < 64 * 1024 * 1024, "peak RSS {} MiB", peak >> 20);
}

// ---- caching ----------------------------------------------------------------------------------

#[tokio::test]
async fn variants_have_their_own_etag_304_and_range() {
    let t = Images::start().await;
    let photo = png_rgb(200, 100, &gradient(200, 100));
    let url = t.upload("photo.png", &photo).await;
    let original = t.get(&url, "").await;
    let first = t.get(&url, "width=100&height=40").await;
    let etag = first.header("etag").unwrap().to_owned();
    assert_ne!(Some(etag.as_str()), original.header("etag"));
    assert_eq!(first.header("accept-ranges"), Some("bytes"));
    // The same again: the same bytes, from the cache.
    let second = t.get(&url, "width=100&height=40").await;
    assert_eq!(second.bytes, first.bytes);
    assert_eq!(second.header("etag"), Some(etag.as_str()));
    assert_eq!(
        second.header("fastly-io-info"),
        first.header("fastly-io-info")
    );
    // Parameters in another order are the same variant.
    let reordered = t
        .get(&url, "height=40&environment=development&width=100")
        .await;
    assert_eq!(reordered.header("etag"), Some(etag.as_str()));
    let not_modified = t
        .get_with(&url, "width=100&height=40", &[("if-none-match", &etag)])
        .await;
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.bytes.is_empty());
    let part = t
        .get_with(&url, "width=100&height=40", &[("range", "bytes=0-7")])
        .await;
    assert_eq!(part.status, 206);
    assert_eq!(part.bytes, first.bytes[..8]);
    assert_eq!(
        part.header("content-range").unwrap(),
        format!("bytes 0-7/{}", first.bytes.len())
    );
    assert_eq!(count_files(&t.server.data_dir.join("variants")), 1);
}

#[tokio::test]
async fn the_cache_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start_in(dir.path(), &[]);
    let asset = server
        .upload("photo.png", &png_rgb(60, 40, &gradient(60, 40)), &[])
        .await;
    let url = format!(
        "{}?width=30",
        asset["url"]
            .as_str()
            .unwrap()
            .replace("localhost", "127.0.0.1")
    );
    let first = server.client.get(&url).send().await.unwrap();
    let etag = first.headers()["etag"].clone();
    let bytes = first.bytes().await.unwrap();
    server.terminate();
    let variant_files = count_files(&dir.path().join("variants"));
    assert_eq!(variant_files, 1);
    let server = TestServer::start_in(dir.path(), &[]);
    let url = url.replace(
        &url.split('/').nth(2).unwrap().to_owned(),
        server.base.trim_start_matches("http://"),
    );
    let again = server.client.get(&url).send().await.unwrap();
    assert_eq!(again.headers()["etag"], etag);
    assert_eq!(again.bytes().await.unwrap(), bytes);
    assert_eq!(count_files(&dir.path().join("variants")), 1);
}

#[tokio::test]
async fn concurrent_requests_for_one_variant_transform_once() {
    let (server, log) =
        TestServer::start_logged(&["--log", "contentstack_mock::domain::images=debug"]).await;
    let t = Images { server };
    let url = t
        .upload("photo.jpg", &jpeg(1200, 900, &gradient(1200, 900), None))
        .await;
    let requests = (0..8).map(|_| t.get(&url, "width=333&format=webp"));
    let answers = futures_util::future::join_all(requests).await;
    for answer in &answers {
        assert_eq!(answer.status, 200);
        assert_eq!(answer.bytes, answers[0].bytes);
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        text.matches("transformed an image").count(),
        1,
        "one transform for eight requests:\n{text}"
    );
}

#[tokio::test]
async fn the_cache_stays_within_its_size() {
    let t = Images::start_with(&["--image-cache-bytes", "30000"]).await;
    let url = t
        .upload("photo.png", &png_rgb(300, 200, &gradient(300, 200)))
        .await;
    for width in 100..120 {
        let d = t
            .image(&url, &format!("width={width}&format=jpg&quality=90"))
            .await;
        assert_eq!(d.width, width);
    }
    let dir = t.server.data_dir.join("variants");
    let total: u64 = walk(&dir).iter().map(|p| p.metadata().unwrap().len()).sum();
    assert!(total <= 30_000, "{total} bytes on disk");
    assert!(count_files(&dir) >= 1);
    // The most recent one is still there: asked again, it is the same.
    let last = t.get(&url, "width=119&format=jpg&quality=90").await;
    let again = t.get(&url, "width=119&format=jpg&quality=90").await;
    assert_eq!(last.bytes, again.bytes);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[tokio::test]
async fn purging_an_asset_or_removing_its_stack_removes_its_variants() {
    let t = Images::start().await;
    let asset = t
        .server
        .upload("photo.png", &png_rgb(60, 40, &gradient(60, 40)), &[])
        .await;
    let url = asset["url"]
        .as_str()
        .unwrap()
        .replace("localhost", "127.0.0.1");
    let keep = t
        .upload("keep.png", &png_rgb(60, 40, &gradient(60, 40)))
        .await;
    t.image(&url, "width=30").await;
    t.image(&url, "width=20").await;
    t.image(&keep, "width=30").await;
    let variants = t.server.data_dir.join("variants");
    assert_eq!(count_files(&variants), 3);
    // Deleted: still in the trash, restorable, so the variants stay.
    let uid = asset["uid"].as_str().unwrap();
    let (status, _) = send(t.server.delete(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(status, 200);
    assert_eq!(count_files(&variants), 3);
    assert_eq!(t.get(&url, "width=30").await.status, 404);
    // Purged: gone with the file.
    let (status, _) = send(control(
        &t.server,
        reqwest::Method::DELETE,
        &format!("/_mock/stacks/{API_KEY}/trash"),
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(count_files(&variants), 1);

    // A stack's removal takes all of its variants.
    let (api_key, token) = create_stack(&t.server, "images").await;
    let (status, body) = send(
        t.server
            .request_as(reqwest::Method::POST, "/v3/assets", &api_key, &token)
            .multipart(upload_form(
                "p.png",
                &png_rgb(20, 20, &gradient(20, 20)),
                &[],
            )),
    )
    .await;
    assert_eq!(status, 201);
    let url = body["asset"]["url"]
        .as_str()
        .unwrap()
        .replace("localhost", "127.0.0.1");
    t.image(&url, "width=10").await;
    assert!(variants.join(&api_key).exists());
    let (status, _) = send(control(
        &t.server,
        reqwest::Method::DELETE,
        &format!("/_mock/stacks/{api_key}"),
    ))
    .await;
    assert!(status.is_success());
    assert!(!variants.join(&api_key).exists());
    assert_eq!(count_files(&variants), 1);
    // A reset takes them all.
    let (status, _) = send(control(&t.server, reqwest::Method::POST, "/_mock/reset")).await;
    assert!(status.is_success());
    assert_eq!(count_files(&variants), 0);
}
