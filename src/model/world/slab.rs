//! The tables of live calls, tasks and candidates: a slab hands out small integer ids that
//! events carry, and reuses freed slots so steady state allocates nothing per event.

/// A slab: reuses freed slots so steady state allocates nothing per event.
pub(super) struct Slab<T> {
    items: Vec<T>,
    free: Vec<u32>,
}

impl<T: Copy> Slab<T> {
    pub(super) fn new() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Stores `x` and returns its id.
    #[inline]
    pub(super) fn insert(&mut self, x: T) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.items[i as usize] = x;
                i
            }
            None => {
                self.items.push(x);
                (self.items.len() - 1) as u32
            }
        }
    }

    /// The item `i`.
    #[inline]
    pub(super) fn get(&self, i: u32) -> T {
        self.items[i as usize]
    }

    /// The item `i`, to change it in place.
    #[inline]
    pub(super) fn get_mut(&mut self, i: u32) -> &mut T {
        &mut self.items[i as usize]
    }

    /// Frees slot `i` and returns what it held.
    #[inline]
    pub(super) fn remove(&mut self, i: u32) -> T {
        self.free.push(i);
        self.items[i as usize]
    }
}
