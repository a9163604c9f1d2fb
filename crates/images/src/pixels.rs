//! A decoded image in memory (8-bit grey, grey and alpha, RGB or RGBA, rows packed), and
//! the operations that only move or convert pixels: crop, orient, convert, flatten,
//! pad onto a canvas.

use super::orientation::{Orientation, Rect};

/// How the bytes of one pixel are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    L8,
    La8,
    Rgb8,
    Rgba8,
}

impl Layout {
    pub fn channels(self) -> usize {
        match self {
            Layout::L8 => 1,
            Layout::La8 => 2,
            Layout::Rgb8 => 3,
            Layout::Rgba8 => 4,
        }
    }

    pub fn has_alpha(self) -> bool {
        matches!(self, Layout::La8 | Layout::Rgba8)
    }
}

/// An image in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub layout: Layout,
    pub data: Vec<u8>,
}

impl Pixels {
    /// An image of one colour.
    pub fn filled(width: u32, height: u32, colour: [u8; 4]) -> Pixels {
        let mut data = Vec::with_capacity(width as usize * height as usize * 4);
        for _ in 0..width as usize * height as usize {
            data.extend_from_slice(&colour);
        }
        Pixels {
            width,
            height,
            layout: Layout::Rgba8,
            data,
        }
    }

    fn row_bytes(&self) -> usize {
        self.width as usize * self.layout.channels()
    }

    /// Whether any pixel is not fully opaque.
    pub fn has_transparency(&self) -> bool {
        match self.layout {
            Layout::La8 => self.data.chunks_exact(2).any(|p| p[1] != 255),
            Layout::Rgba8 => self.data.chunks_exact(4).any(|p| p[3] != 255),
            _ => false,
        }
    }

    /// The pixels of `rect` (which must lie inside the image).
    pub fn crop(self, rect: Rect) -> Pixels {
        if rect == Rect::whole(self.width, self.height) {
            return self;
        }
        let channels = self.layout.channels();
        let row = self.row_bytes();
        let mut data = Vec::with_capacity(rect.width as usize * rect.height as usize * channels);
        for y in rect.y..rect.y + rect.height {
            let start = y as usize * row + rect.x as usize * channels;
            data.extend_from_slice(&self.data[start..start + rect.width as usize * channels]);
        }
        Pixels {
            width: rect.width,
            height: rect.height,
            layout: self.layout,
            data,
        }
    }

    /// The image turned and mirrored as `orientation` says.
    pub fn orient(self, orientation: Orientation) -> Pixels {
        if orientation.is_identity() {
            return self;
        }
        let channels = self.layout.channels();
        let (width, height) = orientation.size(self.width, self.height);
        let mut data = vec![0u8; self.data.len()];
        let src_row = self.row_bytes();
        let dst_row = width as usize * channels;
        for y in 0..height as usize {
            let yt = if orientation.flip_y {
                height as usize - 1 - y
            } else {
                y
            };
            for x in 0..width as usize {
                let xt = if orientation.flip_x {
                    width as usize - 1 - x
                } else {
                    x
                };
                let (sx, sy) = if orientation.transpose {
                    (yt, xt)
                } else {
                    (xt, yt)
                };
                let from = sy * src_row + sx * channels;
                let to = y * dst_row + x * channels;
                data[to..to + channels].copy_from_slice(&self.data[from..from + channels]);
            }
        }
        Pixels {
            width,
            height,
            layout: self.layout,
            data,
        }
    }

    /// The same image as RGBA.
    pub fn into_rgba(self) -> Pixels {
        let data = match self.layout {
            Layout::Rgba8 => return self,
            Layout::Rgb8 => self
                .data
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect(),
            Layout::La8 => self
                .data
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
            Layout::L8 => self.data.iter().flat_map(|&v| [v, v, v, 255]).collect(),
        };
        Pixels {
            layout: Layout::Rgba8,
            data,
            ..self
        }
    }

    /// The same image as RGB (alpha, if any, is dropped: flatten first).
    pub fn into_rgb(self) -> Pixels {
        let data = match self.layout {
            Layout::Rgb8 => return self,
            Layout::Rgba8 => self
                .data
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect(),
            Layout::La8 => self
                .data
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0]])
                .collect(),
            Layout::L8 => self.data.iter().flat_map(|&v| [v, v, v]).collect(),
        };
        Pixels {
            layout: Layout::Rgb8,
            data,
            ..self
        }
    }

    /// Transparency replaced by `background` (whose own alpha is kept: a half-transparent
    /// background gives a half-transparent result). Opaque images are returned as they are.
    pub fn flatten(self, background: [u8; 4]) -> Pixels {
        if !self.layout.has_alpha() {
            return self;
        }
        let mut image = self.into_rgba();
        let [br, bg, bb, ba] = background.map(u32::from);
        for p in image.data.chunks_exact_mut(4) {
            let a = u32::from(p[3]);
            if a == 255 {
                continue;
            }
            // `src over background`, in integers.
            let out_a = a * 255 + ba * (255 - a);
            if out_a == 0 {
                p.copy_from_slice(&[0, 0, 0, 0]);
                continue;
            }
            for (c, b) in p[..3].iter_mut().zip([br, bg, bb]) {
                *c = ((u32::from(*c) * a * 255 + b * ba * (255 - a)) / out_a) as u8;
            }
            p[3] = (out_a / 255) as u8;
        }
        if background[3] == 255 {
            image.into_rgb()
        } else {
            image
        }
    }

    /// This image drawn at `(x, y)` on a canvas of `width` x `height` filled with `fill`.
    pub fn place_on(self, width: u32, height: u32, x: u32, y: u32, fill: [u8; 4]) -> Pixels {
        let image = self.into_rgba();
        let mut canvas = Pixels::filled(width, height, fill);
        let row = image.width as usize * 4;
        let canvas_row = width as usize * 4;
        let visible_w = image.width.min(width.saturating_sub(x)) as usize * 4;
        for sy in 0..image.height {
            let cy = y + sy;
            if cy >= height {
                break;
            }
            let from = sy as usize * row;
            let to = cy as usize * canvas_row + x as usize * 4;
            canvas.data[to..to + visible_w].copy_from_slice(&image.data[from..from + visible_w]);
        }
        canvas
    }

    /// Draws `top` (RGBA) over this RGBA image at `(x, y)` (which may be negative or past
    /// the edges: what falls outside is cut off).
    pub fn draw_over(&mut self, top: &Pixels, x: i64, y: i64) {
        debug_assert_eq!(self.layout, Layout::Rgba8);
        debug_assert_eq!(top.layout, Layout::Rgba8);
        for ty in 0..top.height as i64 {
            let by = y + ty;
            if by < 0 || by >= self.height as i64 {
                continue;
            }
            for tx in 0..top.width as i64 {
                let bx = x + tx;
                if bx < 0 || bx >= self.width as i64 {
                    continue;
                }
                let t = (ty as usize * top.width as usize + tx as usize) * 4;
                let b = (by as usize * self.width as usize + bx as usize) * 4;
                blend_over(
                    &mut self.data[b..b + 4],
                    top.data[t..t + 4].try_into().expect("4 bytes"),
                );
            }
        }
    }
}

/// `top` over `below`, both straight (not premultiplied) RGBA.
fn blend_over(below: &mut [u8], top: [u8; 4]) {
    let ta = u32::from(top[3]);
    if ta == 0 {
        return;
    }
    if ta == 255 {
        below.copy_from_slice(&top);
        return;
    }
    let ba = u32::from(below[3]);
    let out_a = ta * 255 + ba * (255 - ta);
    for i in 0..3 {
        below[i] =
            ((u32::from(top[i]) * ta * 255 + u32::from(below[i]) * ba * (255 - ta)) / out_a) as u8;
    }
    below[3] = (out_a / 255) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(width: u32, height: u32) -> Pixels {
        Pixels {
            width,
            height,
            layout: Layout::L8,
            data: (0..width * height).map(|v| v as u8).collect(),
        }
    }

    #[test]
    fn crop_takes_the_rectangle() {
        let cropped = grey(4, 3).crop(Rect {
            x: 1,
            y: 1,
            width: 2,
            height: 2,
        });
        assert_eq!(cropped.data, vec![5, 6, 9, 10]);
    }

    #[test]
    fn orient_turns_right() {
        let turned = grey(3, 2).orient(Orientation::from_code(6));
        assert_eq!((turned.width, turned.height), (2, 3));
        assert_eq!(turned.data, vec![3, 0, 4, 1, 5, 2]);
    }

    #[test]
    fn flatten_over_white_and_over_a_transparent_colour() {
        let image = Pixels {
            width: 2,
            height: 1,
            layout: Layout::Rgba8,
            data: vec![0, 0, 0, 0, 0, 0, 0, 255],
        };
        let white = image.clone().flatten([255, 255, 255, 255]);
        assert_eq!(white.layout, Layout::Rgb8);
        assert_eq!(white.data, vec![255, 255, 255, 0, 0, 0]);
        let half = image.flatten([255, 0, 0, 128]);
        assert_eq!(half.layout, Layout::Rgba8);
        assert_eq!(&half.data[..4], &[255, 0, 0, 128]);
    }

    #[test]
    fn place_on_a_larger_canvas() {
        let placed = grey(1, 1).place_on(3, 2, 1, 1, [9, 9, 9, 255]);
        assert_eq!(placed.width, 3);
        assert_eq!(&placed.data[16..20], &[0, 0, 0, 255]);
        assert_eq!(&placed.data[0..4], &[9, 9, 9, 255]);
    }
}
