//! The eight orientations of an image (EXIF's codes 1-8, which `orient` shares), how they
//! combine, how a rectangle maps back through one, and the EXIF orientation tag read from
//! a file's metadata.

/// A flip or quarter turn, as a transpose followed by mirrors: the pixel at `(x, y)` is
/// first moved to `(y, x)` when `transpose`, then mirrored left-right and top-bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Orientation {
    pub transpose: bool,
    pub flip_x: bool,
    pub flip_y: bool,
}

impl Orientation {
    /// No change.
    pub const IDENTITY: Orientation = Orientation {
        transpose: false,
        flip_x: false,
        flip_y: false,
    };

    /// EXIF's (and `orient`'s) code: 1 as stored, 2 mirrored, 3 turned half round, 4
    /// flipped, 5 transposed, 6 turned right, 7 transversed, 8 turned left.
    pub fn from_code(code: u8) -> Orientation {
        let (transpose, flip_x, flip_y) = match code {
            2 => (false, true, false),
            3 => (false, true, true),
            4 => (false, false, true),
            5 => (true, false, false),
            6 => (true, true, false),
            7 => (true, true, true),
            8 => (true, false, true),
            _ => (false, false, false),
        };
        Orientation {
            transpose,
            flip_x,
            flip_y,
        }
    }

    pub fn is_identity(self) -> bool {
        self == Orientation::IDENTITY
    }

    /// `self` first, then `next`.
    pub fn then(self, next: Orientation) -> Orientation {
        // Moving `next`'s transpose in front of `self`'s mirrors swaps which axis they mirror.
        let (fx, fy) = if next.transpose {
            (self.flip_y, self.flip_x)
        } else {
            (self.flip_x, self.flip_y)
        };
        Orientation {
            transpose: self.transpose ^ next.transpose,
            flip_x: fx ^ next.flip_x,
            flip_y: fy ^ next.flip_y,
        }
    }

    /// The size of an image of `(width, height)` once oriented.
    pub fn size(self, width: u32, height: u32) -> (u32, u32) {
        if self.transpose {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// The rectangle of the source `(width, height)` that becomes `rect` of the oriented
    /// image. Rectangles are `(x, y, width, height)`.
    pub fn source_rect(self, width: u32, height: u32, rect: Rect) -> Rect {
        let (out_w, out_h) = self.size(width, height);
        let back = |x: u32, y: u32| {
            let x = if self.flip_x { out_w - 1 - x } else { x };
            let y = if self.flip_y { out_h - 1 - y } else { y };
            if self.transpose { (y, x) } else { (x, y) }
        };
        let (ax, ay) = back(rect.x, rect.y);
        let (bx, by) = back(rect.x + rect.width - 1, rect.y + rect.height - 1);
        Rect {
            x: ax.min(bx),
            y: ay.min(by),
            width: ax.abs_diff(bx) + 1,
            height: ay.abs_diff(by) + 1,
        }
    }
}

/// A rectangle of pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    /// The whole of an image.
    pub fn whole(width: u32, height: u32) -> Rect {
        Rect {
            x: 0,
            y: 0,
            width,
            height,
        }
    }

    /// `inner`, given relative to this rectangle, in this rectangle's coordinates.
    pub fn offset(self, inner: Rect) -> Rect {
        Rect {
            x: self.x + inner.x,
            y: self.y + inner.y,
            ..inner
        }
    }
}

/// The orientation code of an EXIF block (a TIFF header and its first directory), when
/// it has one from 1 to 8. Reads at most the first directory; never panics on bad data.
pub fn exif_orientation(exif: &[u8]) -> Option<u8> {
    // JPEG's APP1 segment starts with "Exif\0\0"; PNG's eXIf and WebP's EXIF chunk
    // usually do not.
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    let big_endian = match tiff.get(0..2)? {
        b"II" => false,
        b"MM" => true,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let bytes: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if big_endian {
            u16::from_be_bytes(bytes)
        } else {
            u16::from_le_bytes(bytes)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let bytes: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(bytes)
        } else {
            u32::from_le_bytes(bytes)
        })
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let directory = u32_at(4)? as usize;
    let entries = u16_at(directory)? as usize;
    for index in 0..entries.min(1000) {
        let entry = directory.checked_add(2 + index * 12)?;
        if u16_at(entry)? == 0x0112 {
            // SHORT, count 1: the value sits in the first two bytes of the value field.
            let code = u16_at(entry + 8)?;
            return u8::try_from(code).ok().filter(|c| (1..=8).contains(c));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies an orientation to a tiny image given as rows, the slow and obvious way.
    fn apply(o: Orientation, rows: &[Vec<u32>]) -> Vec<Vec<u32>> {
        let mut img: Vec<Vec<u32>> = rows.to_vec();
        if o.transpose {
            img = (0..img[0].len())
                .map(|x| img.iter().map(|row| row[x]).collect())
                .collect();
        }
        if o.flip_x {
            for row in &mut img {
                row.reverse();
            }
        }
        if o.flip_y {
            img.reverse();
        }
        img
    }

    fn sample() -> Vec<Vec<u32>> {
        vec![vec![1, 2, 3], vec![4, 5, 6]]
    }

    #[test]
    fn codes_do_what_exif_says() {
        // 6: turned right (clockwise): the left column becomes the top row.
        assert_eq!(
            apply(Orientation::from_code(6), &sample()),
            vec![vec![4, 1], vec![5, 2], vec![6, 3]]
        );
        // 8: turned left.
        assert_eq!(
            apply(Orientation::from_code(8), &sample()),
            vec![vec![3, 6], vec![2, 5], vec![1, 4]]
        );
        assert_eq!(
            apply(Orientation::from_code(3), &sample()),
            vec![vec![6, 5, 4], vec![3, 2, 1]]
        );
    }

    #[test]
    fn orient_five_and_seven_are_a_mirror_then_a_turn() {
        let mirror = Orientation::from_code(2);
        assert_eq!(
            mirror.then(Orientation::from_code(8)),
            Orientation::from_code(5)
        );
        assert_eq!(
            mirror.then(Orientation::from_code(6)),
            Orientation::from_code(7)
        );
    }

    #[test]
    fn composition_matches_applying_in_turn() {
        for a in 1..=8 {
            for b in 1..=8 {
                let (oa, ob) = (Orientation::from_code(a), Orientation::from_code(b));
                assert_eq!(
                    apply(oa.then(ob), &sample()),
                    apply(ob, &apply(oa, &sample())),
                    "{a} then {b}"
                );
            }
        }
    }

    #[test]
    fn source_rects_map_back() {
        // A 3x2 image turned right is 2x3; its top row (2x1) is the source's left column.
        let o = Orientation::from_code(6);
        assert_eq!(
            o.source_rect(
                3,
                2,
                Rect {
                    x: 0,
                    y: 0,
                    width: 2,
                    height: 1
                }
            ),
            Rect {
                x: 0,
                y: 0,
                width: 1,
                height: 2
            }
        );
        for code in 1..=8 {
            let o = Orientation::from_code(code);
            let img = sample();
            let out = apply(o, &img);
            let (w, h) = (out[0].len() as u32, out.len() as u32);
            for x in 0..w {
                for y in 0..h {
                    let r = o.source_rect(
                        3,
                        2,
                        Rect {
                            x,
                            y,
                            width: 1,
                            height: 1,
                        },
                    );
                    assert_eq!(img[r.y as usize][r.x as usize], out[y as usize][x as usize]);
                }
            }
        }
    }

    #[test]
    fn exif_orientation_is_read_in_both_byte_orders() {
        let little = b"Exif\0\0II\x2a\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0";
        assert_eq!(exif_orientation(little), Some(6));
        let big = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x08\0\0\0\0\0\0";
        assert_eq!(exif_orientation(big), Some(8));
        assert_eq!(exif_orientation(b"II\x2a\0\xff\xff\xff\xff"), None);
        assert_eq!(exif_orientation(b""), None);
    }
}
