//! Property tests for the money types: text round trips, operator laws, sums,
//! and the bounds every rounding mode must respect. Bounded (proptest's default
//! 256 cases per property) and exact: every expectation is computed on `i128`.

use proptest::prelude::*;

use super::rounding::div_round_i128;
use super::{Count, Dollars, RoundingMode};

fn any_mode() -> impl Strategy<Value = RoundingMode> {
    prop_oneof![
        Just(RoundingMode::HalfEven),
        Just(RoundingMode::HalfUp),
        Just(RoundingMode::HalfDown),
        Just(RoundingMode::Up),
        Just(RoundingMode::Down),
        Just(RoundingMode::Ceiling),
        Just(RoundingMode::Floor),
    ]
}

/// Amounts of every size, with small and extreme ones well represented.
fn any_units() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        -10_000_000_i64..10_000_000,
        -1_000_i64..1_000,
        Just(i64::MIN),
        Just(i64::MAX),
    ]
}

/// Checks that `q` is `numerator / denominator` rounded with `mode`.
fn assert_rounded(numerator: i128, denominator: i128, q: i128, mode: RoundingMode) {
    // Normalise to a positive denominator: the exact quotient is unchanged.
    let (n, den) = if denominator < 0 {
        (-numerator, -denominator)
    } else {
        (numerator, denominator)
    };
    // Every mode lands on one of the two neighbours of the exact value.
    let floor = n.div_euclid(den);
    let exact = n.rem_euclid(den) == 0;
    let ceiling = if exact { floor } else { floor + 1 };
    assert!(q == floor || q == ceiling, "{n}/{den} gave {q}");
    if exact {
        return;
    }
    let toward_zero = if n < 0 { ceiling } else { floor };
    let away = if n < 0 { floor } else { ceiling };
    // Twice the distance from the floor, against one step.
    let twice_fraction = 2 * n.rem_euclid(den);
    let nearest_or_tie = match twice_fraction.cmp(&den) {
        std::cmp::Ordering::Less => Some(floor),
        std::cmp::Ordering::Greater => Some(ceiling),
        std::cmp::Ordering::Equal => None,
    };
    let want = match mode {
        RoundingMode::Floor => floor,
        RoundingMode::Ceiling => ceiling,
        RoundingMode::Down => toward_zero,
        RoundingMode::Up => away,
        RoundingMode::HalfUp => nearest_or_tie.unwrap_or(away),
        RoundingMode::HalfDown => nearest_or_tie.unwrap_or(toward_zero),
        RoundingMode::HalfEven => {
            nearest_or_tie.unwrap_or(if floor % 2 == 0 { floor } else { ceiling })
        }
    };
    assert_eq!(q, want, "{n}/{den} {mode:?}");
}

proptest! {
    #[test]
    fn display_parses_back(units in any_units()) {
        let amount = Dollars::from_micros(units);
        prop_assert_eq!(amount.to_string().parse::<Dollars>(), Ok(amount));
        let count = Count::from_hundredths(units);
        prop_assert_eq!(count.to_string().parse::<Count>(), Ok(count));
        // Padding only adds fill: the text inside is the canonical one.
        let padded = format!("{amount:>30}");
        prop_assert_eq!(padded.chars().count(), 30.max(amount.to_string().len()));
        prop_assert_eq!(padded.trim_start(), amount.to_string());
        // A precision of 6 or more is exact.
        prop_assert_eq!(format!("{amount:.6}").parse::<Dollars>(), Ok(amount));
    }

    #[test]
    fn precision_rounds_half_even(
        base in -(i64::MAX / 4)..(i64::MAX / 4),
        decimals in 0_u32..=6,
        tie in any::<bool>(),
    ) {
        let step = 10_i128.pow(6 - decimals);
        // Half the time an exact tie at the last shown digit (x.xx5000).
        let units = if tie && step > 1 {
            let below = i128::from(base) / step * step;
            i64::try_from(below + step / 2 * i128::from(base.signum())).expect("fits")
        } else {
            base
        };
        let amount = Dollars::from_micros(units);
        let shown = format!("{amount:.prec$}", prec = decimals as usize);
        let parsed = shown.parse::<Dollars>();
        prop_assert!(parsed.is_ok(), "{}", shown);
        let micros = i128::from(parsed.map(Dollars::as_micros).unwrap_or_default());
        // The shown value is a whole number of steps: the half-even neighbour.
        prop_assert_eq!(micros % step, 0, "{}", shown);
        assert_rounded(i128::from(units), step, micros / step, RoundingMode::HalfEven);
        let after_point = shown.split_once('.').map_or(0, |(_, fraction)| fraction.len());
        prop_assert_eq!(after_point, decimals as usize);
    }

    #[test]
    fn add_then_sub_is_identity(a in any_units(), b in any_units()) {
        let (x, y) = (Dollars::from_micros(a), Dollars::from_micros(b));
        if let Some(sum) = x.checked_add(y) {
            prop_assert_eq!(x + y, sum);
            prop_assert_eq!(sum - y, x);
            prop_assert_eq!(i128::from(sum.as_micros()), i128::from(a) + i128::from(b));
        } else {
            prop_assert!(!(i64::MIN as i128..=i64::MAX as i128).contains(&(i128::from(a) + i128::from(b))));
        }
        let (p, q) = (Count::from_hundredths(a), Count::from_hundredths(b));
        if let Some(difference) = p.checked_sub(q) {
            prop_assert_eq!(p - q, difference);
            prop_assert_eq!(difference + q, p);
            let mut running = p;
            running -= q;
            running += q;
            prop_assert_eq!(running, p);
        }
        if let Some(negated) = x.checked_neg() {
            prop_assert_eq!(-x, negated);
            prop_assert_eq!(-(-x), x);
        }
    }

    #[test]
    fn sum_equals_checked_fold(values in prop::collection::vec(any_units(), 0..12)) {
        let amounts: Vec<Dollars> = values.iter().copied().map(Dollars::from_micros).collect();
        let fold = amounts
            .iter()
            .try_fold(Dollars::ZERO, |total, &amount| total.checked_add(amount));
        let exact: i128 = values.iter().copied().map(i128::from).sum();
        let checked = Dollars::checked_sum(&amounts);
        prop_assert_eq!(checked.map(Dollars::as_micros).map(i128::from), i64::try_from(exact).ok().map(i128::from));
        if let Some(total) = fold {
            // Whenever the running sum never overflows, all forms agree.
            prop_assert_eq!(checked, Some(total));
            prop_assert_eq!(amounts.iter().sum::<Dollars>(), total);
            prop_assert_eq!(amounts.iter().copied().sum::<Dollars>(), total);
        }
        let counts: Vec<Count> = values.iter().copied().map(Count::from_hundredths).collect();
        if let Some(total) = Count::checked_sum(&counts) {
            prop_assert_eq!(counts.into_iter().sum::<Count>(), total);
        }
    }

    #[test]
    fn div_round_respects_its_mode(
        units in any_units(),
        // Small divisors make ties (x.5) common enough to be tested every run.
        divisor in prop_oneof![any::<i64>(), -1_000_i64..1_000, -12_i64..12],
        mode in any_mode(),
    ) {
        let amount = Dollars::from_micros(units);
        // By an integer.
        match amount.div_round(divisor, mode) {
            Some(q) => assert_rounded(i128::from(units), i128::from(divisor), i128::from(q.as_micros()), mode),
            None => prop_assert!(divisor == 0 || (units == i64::MIN && divisor == -1)),
        }
        // By a count: micro-dollars × 100 / hundredths.
        let count = Count::from_hundredths(divisor);
        let numerator = i128::from(units) * 100;
        match amount.div_round(count, mode) {
            Some(q) => assert_rounded(numerator, i128::from(divisor), i128::from(q.as_micros()), mode),
            None => {
                // Only a zero count or a result that cannot fit.
                if divisor != 0 {
                    let q = div_round_i128(numerator, i128::from(divisor), mode).expect("non-zero");
                    prop_assert!(i64::try_from(q).is_err());
                }
            }
        }
        let held = Count::from_hundredths(units);
        if let Some(q) = held.div_round(divisor, mode) {
            assert_rounded(i128::from(units), i128::from(divisor), i128::from(q.as_hundredths()), mode);
        }
    }

    #[test]
    fn price_times_count_is_exact_or_half_even(
        micros in -1_000_000_000_i64..1_000_000_000,
        hundredths in -1_000_000_000_i64..1_000_000_000,
    ) {
        let (price, count) = (Dollars::from_micros(micros), Count::from_hundredths(hundredths));
        let product = price * count;
        prop_assert_eq!(count * price, product);
        let exact = i128::from(micros) * i128::from(hundredths);
        assert_rounded(exact, 100, i128::from(product.as_micros()), RoundingMode::HalfEven);
        match price.checked_mul_count(count) {
            Some(exact_product) => prop_assert_eq!(exact_product, product),
            None => prop_assert!(exact % 100 != 0),
        }
        // Four-decimal prices never round.
        let tick_price = Dollars::from_micros(micros / 100 * 100);
        prop_assert_eq!(tick_price.checked_mul_count(count), Some(tick_price * count));
    }

    #[test]
    fn to_f64_matches_the_text(units in -(1_i64 << 53)..(1_i64 << 53)) {
        let amount = Dollars::from_micros(units);
        prop_assert_eq!(Ok(amount.to_f64()), amount.to_string().parse::<f64>());
        let count = Count::from_hundredths(units);
        prop_assert_eq!(Ok(count.to_f64()), count.to_string().parse::<f64>());
    }
}

#[cfg(feature = "rust_decimal")]
proptest! {
    #[test]
    fn decimal_round_trips(units in any_units()) {
        use rust_decimal::Decimal;
        let amount = Dollars::from_micros(units);
        prop_assert_eq!(Dollars::try_from(Decimal::from(amount)), Ok(amount));
        let count = Count::from_hundredths(units);
        prop_assert_eq!(Count::try_from(Decimal::from(count)), Ok(count));
    }
}
