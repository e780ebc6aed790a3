//! Sending an invoice exactly once.
