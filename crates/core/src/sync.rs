//! Background refresh of the look-up cache.
