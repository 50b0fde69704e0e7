//! Albers equal-area conic projection on a sphere. Equal-area matters for a
//! country overview: Yakutia must not look ten times larger than it is next to
//! the small European regions where most content sits.

/// A configured Albers projection; `project` returns metres-like units (radians × R = 1).
#[derive(Debug, Clone, Copy)]
pub struct Albers {
    n: f64,
    c: f64,
    rho0: f64,
    lon0: f64,
}

impl Albers {
    /// Standard parallels `phi1`, `phi2`, origin latitude `lat0`, central meridian `lon0`, degrees.
    pub fn new(phi1: f64, phi2: f64, lat0: f64, lon0: f64) -> Albers {
        let (p1, p2) = (phi1.to_radians(), phi2.to_radians());
        let mut n = (p1.sin() + p2.sin()) / 2.0;
        // Parallels symmetric about the equator make n = 0 (a cylinder); avoid dividing by it.
        if n.abs() < 1e-6 {
            n = 1e-6;
        }
        let c = p1.cos().powi(2) + 2.0 * n * p1.sin();
        let rho0 = (c - 2.0 * n * lat0.to_radians().sin()).max(0.0).sqrt() / n;
        Albers { n, c, rho0, lon0 }
    }

    /// The projection used for the whole of Russia (parallels 52° and 64°, meridian 100° E).
    pub fn russia() -> Albers {
        Albers::new(52.0, 64.0, 56.0, 100.0)
    }

    /// A projection fitted to one region's bounding box: parallels at 1/6 and 5/6 of its
    /// latitude span keep distortion small, the meridian through its middle keeps north up.
    pub fn for_bbox(bbox: [f64; 4]) -> Albers {
        let [min_lon, min_lat, max_lon, max_lat] = bbox;
        let span = (max_lat - min_lat).max(0.5);
        let mid = (min_lat + max_lat) / 2.0;
        Albers::new(
            mid - span / 3.0,
            mid + span / 3.0,
            mid,
            (min_lon + max_lon) / 2.0,
        )
    }

    /// Projects `(lon, lat)` in degrees to plane `(x, y)` with y growing northwards.
    /// Longitudes are unwrapped around the central meridian so Chukotka stays whole.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        let mut dlon = lon - self.lon0;
        while dlon > 180.0 {
            dlon -= 360.0;
        }
        while dlon < -180.0 {
            dlon += 360.0;
        }
        let rho = (self.c - 2.0 * self.n * lat.to_radians().sin())
            .max(0.0)
            .sqrt()
            / self.n;
        let theta = self.n * dlon.to_radians();
        (rho * theta.sin(), self.rho0 - rho * theta.cos())
    }
}

/// Maps projected coordinates into an SVG viewBox of `width` with a margin, y pointing down.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub proj: Albers,
    min_x: f64,
    max_y: f64,
    /// Horizontal offset that centres content narrower than the frame.
    offset_x: f64,
    scale: f64,
    margin: f64,
    pub width: f64,
    pub height: f64,
}

impl Frame {
    /// Fits the projected bounding box of `lonlats` into `width` pixels.
    pub fn fit(
        proj: Albers,
        lonlats: impl Iterator<Item = (f64, f64)>,
        width: f64,
        margin: f64,
    ) -> Option<Frame> {
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (lon, lat) in lonlats {
            let (x, y) = proj.project(lon, lat);
            min_x = min_x.min(x);
            max_x = max_x.max(x);
            min_y = min_y.min(y);
            max_y = max_y.max(y);
        }
        let (w, h) = (max_x - min_x, max_y - min_y);
        if !(w.is_finite() && h.is_finite()) || w <= 0.0 || h <= 0.0 {
            return None;
        }
        let inner = width - 2.0 * margin;
        // Very tall regions (e.g. Moscow Oblast is not, but Sakhalin is) would make a
        // page-long map; cap the height at 1.25 × width and shrink the scale instead.
        let scale = (inner / w).min(1.25 * inner / h);
        Some(Frame {
            proj,
            min_x,
            max_y,
            offset_x: (inner - w * scale) / 2.0,
            scale,
            margin,
            width,
            height: (h * scale + 2.0 * margin).ceil(),
        })
    }

    /// Screen position of `(lon, lat)`.
    pub fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = self.proj.project(lon, lat);
        (
            (x - self.min_x) * self.scale + self.margin + self.offset_x,
            (self.max_y - y) * self.scale + self.margin,
        )
    }
}
