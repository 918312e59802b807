//! Which prices a market accepts: its price ranges, each with its own step.
//!
//! A Kalshi market lists `price_ranges` (`start`, `end`, `step`, in dollars): a price
//! is valid when it lies in a range and sits on that range's step counted from the
//! range's start. Markets differ: `linear_cent` markets step by $0.01 everywhere,
//! `deci_cent` ones by $0.001, and `tapered_deci_cent` ones by $0.001 below $0.10 and
//! above $0.90 and by $0.01 between (neighbouring ranges share their end points). A
//! flat $0.01 tick, which the order builders assume without a market, rejects valid
//! prices on the finer markets; [`PriceRules`] knows the real grid. $0 and $1 are never
//! tradable, whatever the ranges say.
//!
//! Prices here are YES prices on the YES book, as Kalshi's ranges are.

use std::fmt;

use crate::money::Dollars;

/// One range of valid prices: `start`, `start + step`, … up to `end` (inclusive,
/// when on the step).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PriceRange {
    /// The lowest price of the range.
    pub start: Dollars,
    /// The highest price of the range.
    pub end: Dollars,
    /// The distance between neighbouring prices.
    pub step: Dollars,
}

impl PriceRange {
    /// A range; [`PriceRules::new`] checks it.
    pub const fn new(start: Dollars, end: Dollars, step: Dollars) -> Self {
        PriceRange { start, end, step }
    }

    fn contains_level(&self, price: Dollars) -> bool {
        price >= self.start
            && price <= self.end
            && (price.as_micros() - self.start.as_micros()) % self.step.as_micros() == 0
    }

    /// The first level of this range strictly above `price`.
    fn level_above(&self, price: Dollars) -> Option<Dollars> {
        let (start, step) = (self.start.as_micros(), self.step.as_micros());
        let level = if price.as_micros() < start {
            start
        } else {
            let steps = (price.as_micros() - start) / step + 1;
            start.checked_add(steps.checked_mul(step)?)?
        };
        (level <= self.end.as_micros()).then_some(Dollars::from_micros(level))
    }

    /// The last level of this range strictly below `price`.
    fn level_below(&self, price: Dollars) -> Option<Dollars> {
        let (start, step) = (self.start.as_micros(), self.step.as_micros());
        if price.as_micros() <= start {
            return None;
        }
        let last = start + (self.end.as_micros() - start) / step * step;
        let below = price.as_micros() - 1;
        let level = start + (below.min(last) - start) / step * step;
        Some(Dollars::from_micros(level))
    }
}

/// The prices a market accepts. Build from the market
/// (`PriceRules::try_from(&market)`), from its ranges ([`PriceRules::new`]), or from a
/// named structure ([`PriceRules::linear_cent`], …) when no market is at hand.
///
/// ```
/// use kalshi_portfolio::price_rules::PriceRules;
/// let rules = PriceRules::tapered_deci_cent();
/// let p = |s: &str| s.parse().unwrap();
/// assert!(rules.is_valid(p("0.055")));    // fine steps below $0.10
/// assert!(!rules.is_valid(p("0.555")));   // cent steps in the middle
/// assert_eq!(rules.step_up(p("0.099")), Some(p("0.10")));
/// assert_eq!(rules.step_up(p("0.10")), Some(p("0.11")));
/// assert_eq!(rules.round_down(p("0.555")), Some(p("0.55")));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceRules {
    /// Sorted by start; checked by `new`.
    ranges: Vec<PriceRange>,
}

/// Why a list of ranges is not a price structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidPriceRanges(String);

impl fmt::Display for InvalidPriceRanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid price ranges: {}", self.0)
    }
}

impl std::error::Error for InvalidPriceRanges {}

/// So `PriceRules::try_from(&market)?` works in a function returning the crate's
/// `Result`: an unreadable price structure is a request the caller cannot make yet.
impl From<InvalidPriceRanges> for crate::Error {
    fn from(e: InvalidPriceRanges) -> Self {
        crate::Error::invalid("price_ranges", e.to_string())
    }
}

impl PriceRules {
    /// Rules from a market's ranges. Each needs `0 ≤ start < end ≤ 1` and a positive
    /// step; ranges may share end points but not overlap otherwise; at least one.
    pub fn new(ranges: impl IntoIterator<Item = PriceRange>) -> Result<Self, InvalidPriceRanges> {
        let mut ranges: Vec<PriceRange> = ranges.into_iter().collect();
        if ranges.is_empty() {
            return Err(InvalidPriceRanges(
                "a market needs at least one range".into(),
            ));
        }
        ranges.sort_by_key(|range| (range.start, range.end));
        for range in &ranges {
            let PriceRange { start, end, step } = *range;
            if !step.is_positive() {
                return Err(InvalidPriceRanges(format!("step {step} is not positive")));
            }
            if start.is_negative() || end > Dollars::ONE || start >= end {
                return Err(InvalidPriceRanges(format!(
                    "range {start}..{end} is not within $0..$1 with start below end"
                )));
            }
        }
        if let Some(pair) = ranges.windows(2).find(|pair| pair[1].start < pair[0].end) {
            return Err(InvalidPriceRanges(format!(
                "ranges {}..{} and {}..{} overlap",
                pair[0].start, pair[0].end, pair[1].start, pair[1].end
            )));
        }
        Ok(PriceRules { ranges })
    }

    /// $0.01 steps from $0 to $1 (`linear_cent`).
    pub fn linear_cent() -> Self {
        PriceRules {
            ranges: vec![PriceRange::new(Dollars::ZERO, Dollars::ONE, cents(1))],
        }
    }

    /// $0.001 steps from $0 to $1 (`deci_cent`).
    pub fn deci_cent() -> Self {
        PriceRules {
            ranges: vec![PriceRange::new(
                Dollars::ZERO,
                Dollars::ONE,
                Dollars::from_micros(1_000),
            )],
        }
    }

    /// $0.001 steps below $0.10 and above $0.90, $0.01 between
    /// (`tapered_deci_cent`).
    pub fn tapered_deci_cent() -> Self {
        let fine = Dollars::from_micros(1_000);
        PriceRules {
            ranges: vec![
                PriceRange::new(Dollars::ZERO, cents(10), fine),
                PriceRange::new(cents(10), cents(90), cents(1)),
                PriceRange::new(cents(90), Dollars::ONE, fine),
            ],
        }
    }

    /// The ranges, lowest first.
    pub fn ranges(&self) -> &[PriceRange] {
        &self.ranges
    }

    /// Whether an order may be placed at `price`.
    pub fn is_valid(&self, price: Dollars) -> bool {
        price.is_strictly_between_zero_and_one()
            && self.ranges.iter().any(|range| range.contains_level(price))
    }

    /// Why `price` is not valid, naming the nearest valid prices; `Ok` when it is.
    pub fn check(&self, price: Dollars) -> Result<(), String> {
        if self.is_valid(price) {
            return Ok(());
        }
        if !price.is_strictly_between_zero_and_one() {
            return Err(format!("{price} is not strictly between 0 and 1 dollar"));
        }
        let around = match (self.step_down(price), self.step_up(price)) {
            (Some(below), Some(above)) => {
                format!("; the nearest valid prices are {below} and {above}")
            }
            (Some(below), None) => format!("; the highest valid price is {below}"),
            (None, Some(above)) => format!("; the lowest valid price is {above}"),
            (None, None) => String::new(),
        };
        match self
            .ranges
            .iter()
            .find(|r| price >= r.start && price <= r.end)
        {
            Some(range) => Err(format!(
                "{price} is not on the market's {} step between {} and {}{around}",
                range.step, range.start, range.end
            )),
            None => Err(format!(
                "{price} is outside the market's price ranges{around}"
            )),
        }
    }

    /// The lowest valid price strictly above `price`, across range boundaries.
    pub fn step_up(&self, price: Dollars) -> Option<Dollars> {
        let mut from = price;
        loop {
            let next = self
                .ranges
                .iter()
                .filter_map(|range| range.level_above(from))
                .min()?;
            if next >= Dollars::ONE {
                return None;
            }
            if next.is_positive() {
                return Some(next);
            }
            from = next;
        }
    }

    /// The highest valid price strictly below `price`, across range boundaries.
    pub fn step_down(&self, price: Dollars) -> Option<Dollars> {
        let mut from = price;
        loop {
            let next = self
                .ranges
                .iter()
                .filter_map(|range| range.level_below(from))
                .max()?;
            if !next.is_positive() {
                return None;
            }
            if next < Dollars::ONE {
                return Some(next);
            }
            from = next;
        }
    }

    /// `price` if valid, else the highest valid price below it.
    pub fn round_down(&self, price: Dollars) -> Option<Dollars> {
        if self.is_valid(price) {
            Some(price)
        } else {
            self.step_down(price)
        }
    }

    /// `price` if valid, else the lowest valid price above it.
    pub fn round_up(&self, price: Dollars) -> Option<Dollars> {
        if self.is_valid(price) {
            Some(price)
        } else {
            self.step_up(price)
        }
    }

    /// The valid price nearest to `price`; on a tie, the lower one.
    pub fn round_nearest(&self, price: Dollars) -> Option<Dollars> {
        match (self.round_down(price), self.round_up(price)) {
            (Some(down), Some(up)) => {
                let below = price.as_micros() - down.as_micros();
                let above = up.as_micros() - price.as_micros();
                Some(if above < below { up } else { down })
            }
            (down, up) => down.or(up),
        }
    }

    /// Every valid price, lowest first.
    pub fn levels(&self) -> impl Iterator<Item = Dollars> + '_ {
        std::iter::successors(self.step_up(Dollars::ZERO), move |price| {
            self.step_up(*price)
        })
    }
}

impl PriceRules {
    /// The rules of a named `price_level_structure` (`linear_cent`, `deci_cent`,
    /// `tapered_deci_cent`); `None` for a name this crate does not know.
    pub fn named(structure: &str) -> Option<Self> {
        match structure {
            "linear_cent" => Some(PriceRules::linear_cent()),
            "deci_cent" => Some(PriceRules::deci_cent()),
            "tapered_deci_cent" => Some(PriceRules::tapered_deci_cent()),
            _ => None,
        }
    }
}

/// A market's rules from its `price_ranges`; when it lists none, from the named
/// `price_level_structure`. The ranges are what Kalshi checks, so they win over
/// the name; a market with neither usable ranges nor a known name is an error
/// naming the market, never a guessed tick.
impl TryFrom<&crate::types::Market> for PriceRules {
    type Error = InvalidPriceRanges;

    fn try_from(market: &crate::types::Market) -> Result<Self, Self::Error> {
        let in_market =
            |message: String| InvalidPriceRanges(format!("market {:?}: {message}", market.ticker));
        if market.price_ranges.is_empty() {
            return PriceRules::named(&market.price_level_structure).ok_or_else(|| {
                in_market(format!(
                    "no price_ranges and an unknown price_level_structure {:?}",
                    market.price_level_structure
                ))
            });
        }
        let parse = |field: &str, text: &str| -> Result<Dollars, InvalidPriceRanges> {
            text.parse()
                .map_err(|e| in_market(format!("price range {field} {text:?}: {e}")))
        };
        let ranges = market
            .price_ranges
            .iter()
            .map(|range| {
                Ok(PriceRange::new(
                    parse("start", &range.start)?,
                    parse("end", &range.end)?,
                    parse("step", &range.step)?,
                ))
            })
            .collect::<Result<Vec<PriceRange>, InvalidPriceRanges>>()?;
        PriceRules::new(ranges).map_err(|e| in_market(e.0))
    }
}

fn cents(n: i64) -> Dollars {
    Dollars::from_micros(n * 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> Dollars {
        text.parse().expect("a price")
    }

    #[test]
    fn the_named_structures_have_the_documented_grids() {
        assert_eq!(PriceRules::linear_cent().levels().count(), 99);
        assert_eq!(PriceRules::deci_cent().levels().count(), 999);
        // 99 fine levels below 0.10, 0.10..=0.90 by cents (81), 99 fine above 0.90.
        assert_eq!(
            PriceRules::tapered_deci_cent().levels().count(),
            99 + 81 + 99
        );
        let rules = PriceRules::tapered_deci_cent();
        for (price, valid) in [
            ("0.001", true),
            ("0.099", true),
            ("0.10", true),
            ("0.105", false),
            ("0.55", true),
            ("0.555", false),
            ("0.90", true),
            ("0.901", true),
            ("0.999", true),
            ("0", false),
            ("1", false),
            ("0.0005", false),
        ] {
            assert_eq!(rules.is_valid(d(price)), valid, "{price}");
        }
    }

    #[test]
    fn steps_cross_range_boundaries_onto_valid_levels() {
        let rules = PriceRules::tapered_deci_cent();
        assert_eq!(rules.step_up(d("0.099")), Some(d("0.10")));
        assert_eq!(rules.step_up(d("0.10")), Some(d("0.11")));
        assert_eq!(rules.step_down(d("0.10")), Some(d("0.099")));
        assert_eq!(rules.step_down(d("0.11")), Some(d("0.10")));
        assert_eq!(rules.step_up(d("0.89")), Some(d("0.90")));
        assert_eq!(rules.step_up(d("0.90")), Some(d("0.901")));
        assert_eq!(rules.step_up(d("0.999")), None);
        assert_eq!(rules.step_down(d("0.001")), None);
        assert_eq!(rules.step_up(d("0")), Some(d("0.001")));
        assert_eq!(rules.step_down(d("1")), Some(d("0.999")));
    }

    #[test]
    fn rounding_goes_to_the_grid_of_the_range_the_price_is_in() {
        let rules = PriceRules::tapered_deci_cent();
        assert_eq!(rules.round_down(d("0.555")), Some(d("0.55")));
        assert_eq!(rules.round_up(d("0.555")), Some(d("0.56")));
        assert_eq!(
            rules.round_nearest(d("0.555")),
            Some(d("0.55")),
            "a tie goes down"
        );
        assert_eq!(rules.round_nearest(d("0.556")), Some(d("0.56")));
        assert_eq!(rules.round_nearest(d("0.0555")), Some(d("0.055")));
        assert_eq!(rules.round_down(d("0.0001")), None);
        assert_eq!(rules.round_up(d("0.9999")), None);
    }

    #[test]
    fn a_refusal_names_the_step_and_the_neighbours() {
        let reason = PriceRules::tapered_deci_cent()
            .check(d("0.555"))
            .expect_err("off the cent grid");
        assert!(reason.contains("0.0100"), "{reason}");
        assert!(
            reason.contains("0.5500") && reason.contains("0.5600"),
            "{reason}"
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        let r = |a: &str, b: &str, s: &str| PriceRange::new(d(a), d(b), d(s));
        assert!(PriceRules::new([]).is_err());
        assert!(PriceRules::new([r("0", "1", "0")]).is_err());
        assert!(PriceRules::new([r("0.5", "0.4", "0.01")]).is_err());
        assert!(PriceRules::new([r("0", "1.5", "0.01")]).is_err());
        assert!(PriceRules::new([r("0", "0.6", "0.01"), r("0.5", "1", "0.01")]).is_err());
        assert!(PriceRules::new([r("0.1", "0.9", "0.01"), r("0", "0.1", "0.001")]).is_ok());
    }

    fn any_rules() -> impl Strategy<Value = PriceRules> {
        prop_oneof![
            Just(PriceRules::linear_cent()),
            Just(PriceRules::deci_cent()),
            Just(PriceRules::tapered_deci_cent()),
            // A coarse market with an odd step and a gap.
            Just(
                PriceRules::new([
                    PriceRange::new(
                        Dollars::from_micros(50_000),
                        Dollars::from_micros(450_000),
                        Dollars::from_micros(25_000)
                    ),
                    PriceRange::new(
                        Dollars::from_micros(600_000),
                        Dollars::from_micros(950_000),
                        Dollars::from_micros(50_000)
                    ),
                ])
                .expect("valid")
            ),
        ]
    }

    proptest! {
        #[test]
        fn every_step_lands_on_a_valid_level_and_skips_none(
            rules in any_rules(),
            micros in 0i64..=1_000_000,
        ) {
            let price = Dollars::from_micros(micros);
            if let Some(up) = rules.step_up(price) {
                prop_assert!(rules.is_valid(up));
                prop_assert!(up > price);
                // Nothing valid between (every step here is a multiple of $0.001).
                let first = (micros / 1_000 + 1) * 1_000;
                for m in (first..up.as_micros()).step_by(1_000) {
                    prop_assert!(!rules.is_valid(Dollars::from_micros(m)));
                }
                // And back down again.
                let back = rules.step_down(up);
                if rules.is_valid(price) {
                    prop_assert_eq!(back, Some(price));
                } else {
                    prop_assert!(back.is_none_or(|b| b < price));
                }
            }
            if let Some(down) = rules.step_down(price) {
                prop_assert!(rules.is_valid(down));
                prop_assert!(down < price);
            }
            let nearest = rules.round_nearest(price);
            prop_assert!(nearest.is_none_or(|n| rules.is_valid(n)));
            prop_assert_eq!(rules.is_valid(price), rules.check(price).is_ok());
        }
    }
}
