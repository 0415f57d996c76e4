//! The budget ledger: one budget, one account per role, every call charged before it runs.

use serde::{Deserialize, Serialize};

/// The three roles that spend the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Improves the harness.
    Evolver,
    /// Uses the harness to do tasks.
    User,
    /// Judges answers and edits.
    Verifier,
}

impl Role {
    /// Every role, in a fixed order.
    pub const ALL: [Role; 3] = [Role::Evolver, Role::User, Role::Verifier];

    /// Position in [`Role::ALL`].
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Evolver => "evolver",
            Role::User => "user",
            Role::Verifier => "verifier",
        }
    }
}

/// A value for each role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerRole<T> {
    /// The evolver's.
    pub evolver: T,
    /// The user's.
    pub user: T,
    /// The verifier's.
    pub verifier: T,
}

impl<T: Copy> PerRole<T> {
    /// The value of `role`.
    #[inline]
    pub fn get(&self, role: Role) -> T {
        match role {
            Role::Evolver => self.evolver,
            Role::User => self.user,
            Role::Verifier => self.verifier,
        }
    }
}

impl PerRole<f64> {
    /// The sum over the roles (evolver, user, verifier, added in that order).
    #[inline]
    pub fn total(&self) -> f64 {
        self.evolver + self.user + self.verifier
    }
}

/// Hours in a simulated day: the period of a budget paced per day.
pub const DAY_HOURS: f64 = 24.0;

/// A budget paced per simulated day ([`Ledger::paced`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// Dollars granted at the start of each day, split between the roles by their shares.
    pub per_day: f64,
    /// Whether what a role leaves unspent at the end of a day stays in its account (else
    /// it expires).
    pub carry_over: bool,
}

/// The budget and what each role has spent. Invariant: total spent never exceeds the
/// budget, because each account's limit is a share of what is left and a charge that
/// would pass its account's limit is refused. A paced ledger's budget is what it has
/// granted so far: a day's grant each simulated day ([`Ledger::new_day`]).
#[derive(Debug, Clone)]
pub struct Ledger {
    total: f64,
    spent: [f64; 3],
    limit: [f64; 3],
    by_tier: Vec<f64>,
    /// The shares of the last (re)allocation, normalised.
    shares: [f64; 3],
    pace: Option<Pace>,
    /// Days begun, from 1 (paced ledgers only).
    days: u32,
    /// Dollars each role left unspent at the end of a day that expired.
    expired: [f64; 3],
}

impl Ledger {
    /// A ledger of `total` dollars split by `shares` (normalised), for `tiers` tiers.
    pub fn new(total: f64, shares: PerRole<f64>, tiers: usize) -> Ledger {
        let mut l = Ledger {
            total,
            spent: [0.0; 3],
            limit: [0.0; 3],
            by_tier: vec![0.0; tiers],
            shares: [0.0; 3],
            pace: None,
            days: 0,
            expired: [0.0; 3],
        };
        l.reallocate(shares);
        l
    }

    /// A ledger paced per simulated day: the first day's grant, `pace.per_day`, split by
    /// `shares`; each later day ([`Ledger::new_day`]) grants as much again.
    pub fn paced(pace: Pace, shares: PerRole<f64>, tiers: usize) -> Ledger {
        let mut l = Ledger::new(pace.per_day, shares, tiers);
        l.pace = Some(pace);
        l.days = 1;
        l
    }

    /// Starts the next simulated day of a paced ledger (nothing otherwise): each role's
    /// account gets its share of the day's grant; without carry-over, what it had left
    /// expires first (and is counted in [`Ledger::unspent`]).
    pub fn new_day(&mut self) {
        let Some(p) = self.pace else {
            return;
        };
        self.days += 1;
        for i in 0..3 {
            if !p.carry_over {
                self.expired[i] += (self.limit[i] - self.spent[i]).max(0.0);
                self.limit[i] = self.spent[i];
            }
            self.limit[i] += self.shares[i] * p.per_day;
        }
        self.total = self.limit.iter().sum::<f64>().max(self.total_spent());
    }

    /// The hour at which a paced ledger next grants a day's budget (`None` unpaced).
    pub fn next_grant(&self) -> Option<f64> {
        self.pace.map(|_| self.days as f64 * DAY_HOURS)
    }

    /// The pacing, if the budget is paced per day.
    pub fn pace(&self) -> Option<Pace> {
        self.pace
    }

    /// Splits what is left of the budget between the roles by `shares` (normalised; all
    /// zero leaves nothing to spend).
    pub fn reallocate(&mut self, shares: PerRole<f64>) {
        let remaining = (self.total - self.spent.iter().sum::<f64>()).max(0.0);
        let sum: f64 = Role::ALL.iter().map(|&r| shares.get(r).max(0.0)).sum();
        for r in Role::ALL {
            let share = if sum > 0.0 {
                shares.get(r).max(0.0) / sum
            } else {
                0.0
            };
            self.shares[r.index()] = share;
            self.limit[r.index()] = self.spent[r.index()] + share * remaining;
        }
        // Rounding must never let the limits add up to more than the budget.
        let over = self.limit.iter().sum::<f64>() - self.total;
        if over > 0.0 {
            let i = (0..3)
                .max_by(|&a, &b| self.limit[a].total_cmp(&self.limit[b]))
                .unwrap_or(0);
            self.limit[i] = (self.limit[i] - over).max(self.spent[i]);
        }
    }

    /// Multiplies what each account has left by `factor` (a budget cut): the budget shrinks
    /// by what is taken away.
    pub fn cut(&mut self, factor: f64) {
        let f = factor.clamp(0.0, 1.0);
        // A paced budget's later days are cut as well.
        if let Some(p) = &mut self.pace {
            p.per_day *= f;
        }
        for i in 0..3 {
            let left = (self.limit[i] - self.spent[i]).max(0.0);
            self.limit[i] = self.spent[i] + left * f;
        }
        self.total = self.total.min(self.limit.iter().sum());
    }

    /// Charges `amount` dollars to `role` on `tier` if its account covers it; returns
    /// whether the call may run.
    #[inline]
    pub fn charge(&mut self, role: Role, tier: usize, amount: f64) -> bool {
        let i = role.index();
        if amount.is_nan() || amount < 0.0 || self.spent[i] + amount > self.limit[i] {
            return false;
        }
        self.spent[i] += amount;
        if let Some(t) = self.by_tier.get_mut(tier) {
            *t += amount;
        }
        true
    }

    /// Gives back a charge for a call that never ran (its user gave up waiting).
    pub fn refund(&mut self, role: Role, tier: usize, amount: f64) {
        let i = role.index();
        self.spent[i] = (self.spent[i] - amount).max(0.0);
        if let Some(t) = self.by_tier.get_mut(tier) {
            *t = (*t - amount).max(0.0);
        }
    }

    /// Dollars `role` may still spend.
    #[inline]
    pub fn balance(&self, role: Role) -> f64 {
        (self.limit[role.index()] - self.spent[role.index()]).max(0.0)
    }

    /// Dollars `role` has spent.
    pub fn spent(&self, role: Role) -> f64 {
        self.spent[role.index()]
    }

    /// Dollars spent per role.
    pub fn spent_by_role(&self) -> PerRole<f64> {
        PerRole {
            evolver: self.spent(Role::Evolver),
            user: self.spent(Role::User),
            verifier: self.spent(Role::Verifier),
        }
    }

    /// Dollars spent in all.
    pub fn total_spent(&self) -> f64 {
        self.spent.iter().sum()
    }

    /// The budget.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// Dollars spent per tier.
    pub fn by_tier(&self) -> &[f64] {
        &self.by_tier
    }

    /// Dollars each role was given and did not spend: what its account holds now, plus
    /// (paced without carry-over) what expired at the end of each day.
    pub fn unspent(&self) -> PerRole<f64> {
        let u = |r: Role| self.balance(r) + self.expired[r.index()];
        PerRole {
            evolver: u(Role::Evolver),
            user: u(Role::User),
            verifier: u(Role::Verifier),
        }
    }

    /// Dollars allocated to each role over the run: what it spent plus what it left
    /// unspent ([`Ledger::unspent`]).
    pub fn allocated(&self) -> PerRole<f64> {
        let u = self.unspent();
        PerRole {
            evolver: self.spent(Role::Evolver) + u.evolver,
            user: self.spent(Role::User) + u.user,
            verifier: self.spent(Role::Verifier) + u.verifier,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_past_the_limit_are_refused_and_reallocation_moves_what_is_left() {
        let mut l = Ledger::new(
            10.0,
            PerRole {
                evolver: 1.0,
                user: 3.0,
                verifier: 0.0,
            },
            2,
        );
        assert!(l.charge(Role::Evolver, 0, 2.0));
        assert!(!l.charge(Role::Evolver, 0, 0.6));
        assert!(!l.charge(Role::Verifier, 1, 0.01));
        assert!(!l.charge(Role::User, 1, f64::NAN));
        l.reallocate(PerRole {
            evolver: 0.0,
            user: 0.0,
            verifier: 1.0,
        });
        assert_eq!(l.balance(Role::Verifier), 8.0);
        assert_eq!(l.balance(Role::User), 0.0);
        assert!(l.total_spent() <= l.total());
    }

    /// A paced ledger grants a day's budget by shares each day; without carry-over what a
    /// role left expires (and counts as unspent), with it the account keeps it.
    #[test]
    fn paced_days_grant_and_expire_or_carry() {
        let shares = PerRole {
            evolver: 0.25,
            user: 0.75,
            verifier: 0.0,
        };
        for carry_over in [false, true] {
            let mut l = Ledger::paced(
                Pace {
                    per_day: 8.0,
                    carry_over,
                },
                shares,
                1,
            );
            assert_eq!(l.next_grant(), Some(24.0));
            assert!(l.charge(Role::User, 0, 5.0));
            assert!(!l.charge(Role::User, 0, 1.5), "the day's user account is 6");
            l.new_day();
            assert_eq!(l.next_grant(), Some(48.0));
            let carried = if carry_over { 1.0 } else { 0.0 };
            assert_eq!(l.balance(Role::User), 6.0 + carried);
            assert_eq!(l.balance(Role::Evolver), 2.0 + 2.0 * carried);
            assert_eq!(l.unspent().user, 7.0);
            assert_eq!(l.allocated().user, 12.0);
            assert!(l.total_spent() <= l.total());
        }
        let mut plain = Ledger::new(10.0, shares, 1);
        plain.new_day();
        assert_eq!(
            plain.balance(Role::User),
            7.5,
            "an unpaced ledger has no days"
        );
        assert_eq!(plain.next_grant(), None);
    }
}
