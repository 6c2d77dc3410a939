//! Whether a merchant's look can be read: colours as `#rrggbb`, and text on the brand colour
//! with the contrast WCAG 2 asks of normal text (4.5:1), so a store cannot make its own
//! widget unreadable by mistake.

use crate::Brand;

/// The least contrast between `primary_color` and `on_primary_color` (WCAG 2, AA, normal text).
pub const MIN_CONTRAST: f64 = 4.5;

impl Brand {
    /// What is wrong with this look, in words a merchant can act on.
    pub fn check(&self) -> Result<(), String> {
        let primary = rgb(&self.primary_color)
            .ok_or_else(|| not_a_colour("primary_color", &self.primary_color))?;
        let on_primary = rgb(&self.on_primary_color)
            .ok_or_else(|| not_a_colour("on_primary_color", &self.on_primary_color))?;
        let contrast = contrast_ratio(primary, on_primary);
        if contrast < MIN_CONTRAST {
            return Err(format!(
                "brand: on_primary_color {} on primary_color {} has a contrast of {:.2}:1; \
                 text needs at least {MIN_CONTRAST}:1 to be read (try #ffffff or #000000)",
                self.on_primary_color,
                self.primary_color,
                floor_2(contrast)
            ));
        }
        Ok(())
    }
}

fn not_a_colour(field: &str, value: &str) -> String {
    format!("brand: {field} {value:?} is not a colour written as #rrggbb (e.g. \"#1f5fbf\")")
}

/// Two decimals, rounded down, so a contrast just under the bar never prints as "4.50".
fn floor_2(x: f64) -> f64 {
    (x * 100.0).floor() / 100.0
}

/// `#rrggbb` as its three channels.
fn rgb(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#').filter(|h| h.len() == 6)?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// WCAG 2's relative luminance of an sRGB colour.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// WCAG 2's contrast ratio, from 1 (the same) to 21 (black on white).
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (light, dark) = if la > lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand(primary: &str, on_primary: &str) -> Brand {
        Brand {
            primary_color: primary.into(),
            on_primary_color: on_primary.into(),
            ..Brand::default()
        }
    }

    #[test]
    fn contrast_matches_wcags_figures() {
        assert!((contrast_ratio([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio([7, 7, 7], [7, 7, 7]) - 1.0).abs() < 1e-9);
        // #767676 on white is the well-known lightest grey that passes AA: 4.54:1.
        let grey = contrast_ratio([0x76, 0x76, 0x76], [255, 255, 255]);
        assert!((grey - 4.54).abs() < 0.01, "{grey}");
    }

    #[test]
    fn the_default_look_passes() {
        assert_eq!(Brand::default().check(), Ok(()));
        assert_eq!(brand("#FFD400", "#000000").check(), Ok(()));
    }

    #[test]
    fn a_colour_that_is_not_rrggbb_is_named_with_its_field() {
        assert_eq!(
            brand("not a colour", "#ffffff").check(),
            Err("brand: primary_color \"not a colour\" is not a colour written as #rrggbb (e.g. \"#1f5fbf\")".into())
        );
        for bad in ["#fff", "1f5fbf", "#1f5fbg", "#1f5fbf00", "#ＡＢＣＤＥＦ"] {
            let error = brand("#1f5fbf", bad).check().expect_err(bad);
            assert!(error.starts_with("brand: on_primary_color"), "{error}");
        }
    }

    #[test]
    fn text_that_cannot_be_read_on_the_brand_colour_is_refused_with_the_figure() {
        // White on a light yellow: 1.24:1.
        let error = brand("#ffe680", "#ffffff").check().expect_err("too light");
        assert!(
            error.starts_with(
                "brand: on_primary_color #ffffff on primary_color #ffe680 has a contrast of 1.24:1;"
            ),
            "{error}"
        );
        assert!(error.contains("at least 4.5:1"), "{error}");
        // #777777 on white is 4.48:1: just under, and said so.
        let error = brand("#777777", "#ffffff").check().expect_err("just under");
        assert!(error.contains("contrast of 4.47:1"), "{error}");
    }
}
