//! Hostile world: placeholder replaced below.
