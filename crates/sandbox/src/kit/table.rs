//! An in-memory table of one entity: rows in creation order, an index by id, and a change
//! counter that stamps every insert and update, so a stand-in can answer "what changed since
//! token N" (a change feed); paging is the vendor's own (`skip`/`take`, `Offset`/`Limit`).
//!
//! A stand-in keeps its vendor's row shapes; [`Row`] is all the table needs of them. A vendor
//! whose change feed uses its own clock (Silvasoft's `ChangedSince` in UNIX seconds) stamps its
//! rows itself and leaves [`Row::set_changed`] empty; the counter still counts the changes.

use std::collections::HashMap;
use std::hash::Hash;
use std::ops::Deref;

/// What a [`Table`] needs of a row.
pub trait Row {
    /// The vendor's id: a UUID, a number, an article code.
    type Id: Clone + Eq + Hash;
    fn id(&self) -> Self::Id;
    /// The table's change counter at the row's last insert or update.
    fn changed(&self) -> u64;
    fn set_changed(&mut self, counter: u64);
}

/// `impl Row` for row types with an `id` (a `Copy` type) and a `changed: u64` field:
/// `impl_row!(Uuid => Person, Organisation);`.
macro_rules! impl_row {
    ($id:ty => $($t:ty),+ $(,)?) => {
        $(
            impl $crate::kit::table::Row for $t {
                type Id = $id;
                fn id(&self) -> $id {
                    self.id
                }
                fn changed(&self) -> u64 {
                    self.changed
                }
                fn set_changed(&mut self, c: u64) {
                    self.changed = c;
                }
            }
        )+
    };
}
pub(crate) use impl_row;

/// Rows plus an id index and the change counter of this entity. Reading goes through the
/// rows as a slice (`table.iter()`, `table[i]`, `table.len()`); every change goes through the
/// table, so the index and the counter stay right.
#[derive(Debug, Clone)]
pub struct Table<T: Row> {
    rows: Vec<T>,
    index: HashMap<T::Id, usize>,
    /// The current change counter; every change stamps the row with a new value.
    counter: u64,
}

impl<T: Row> Default for Table<T> {
    fn default() -> Self {
        Table::new(Vec::new())
    }
}

impl<T: Row> Table<T> {
    /// A table of generated rows, all stamped with counter 1. A later row with the id of an
    /// earlier one hides it from [`Table::get`].
    pub fn new(rows: Vec<T>) -> Self {
        let mut t = Table {
            rows: Vec::with_capacity(rows.len()),
            index: HashMap::with_capacity(rows.len()),
            counter: 1,
        };
        for mut r in rows {
            r.set_changed(1);
            t.index.insert(r.id(), t.rows.len());
            t.rows.push(r);
        }
        t
    }

    /// The current change counter (the newest stamp).
    pub fn counter(&self) -> u64 {
        self.counter
    }

    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    pub fn get(&self, id: &T::Id) -> Option<&T> {
        self.position(id).map(|i| &self.rows[i])
    }

    /// Where the row with this id stands.
    pub fn position(&self, id: &T::Id) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Changes a row and stamps it as changed. The closure must not change the row's id.
    pub fn update<R>(&mut self, id: &T::Id, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let i = self.position(id)?;
        self.update_at(i, f)
    }

    /// Changes the row at a position and stamps it as changed.
    pub fn update_at<R>(&mut self, i: usize, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let row = self.rows.get_mut(i)?;
        self.counter += 1;
        let r = f(row);
        row.set_changed(self.counter);
        Some(r)
    }

    /// Adds a row at the end, stamped as changed; answers its position.
    pub fn insert(&mut self, mut row: T) -> usize {
        self.counter += 1;
        row.set_changed(self.counter);
        let i = self.rows.len();
        self.index.insert(row.id(), i);
        self.rows.push(row);
        i
    }

    /// The rows changed after `since`, in table order: a change feed.
    pub fn changed_since(&self, since: u64) -> impl Iterator<Item = &T> {
        self.rows.iter().filter(move |r| r.changed() > since)
    }
}

impl<T: Row> Deref for Table<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Thing {
        code: String,
        name: String,
        changed: u64,
    }

    impl Row for Thing {
        type Id = String;
        fn id(&self) -> String {
            self.code.clone()
        }
        fn changed(&self) -> u64 {
            self.changed
        }
        fn set_changed(&mut self, c: u64) {
            self.changed = c;
        }
    }

    fn thing(code: &str) -> Thing {
        Thing {
            code: code.into(),
            name: code.to_lowercase(),
            changed: 0,
        }
    }

    #[test]
    fn rows_are_found_by_id_and_every_change_is_stamped_for_the_change_feed() {
        let mut t = Table::new(vec![thing("A"), thing("B")]);
        assert_eq!(t.counter(), 1);
        assert_eq!(t.get(&"B".to_string()).map(|r| r.name.as_str()), Some("b"));
        assert_eq!(t.insert(thing("C")), 2);
        assert_eq!(
            t.update(&"A".to_string(), |r| r.name = "aa".into()),
            Some(())
        );
        assert_eq!(t.update(&"Z".to_string(), |r| r.name = "zz".into()), None);
        let since_start: Vec<_> = t.changed_since(1).map(|r| r.code.as_str()).collect();
        assert_eq!(since_start, ["A", "C"]);
        assert_eq!(t.changed_since(t.counter()).count(), 0);
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].name, "aa");
    }
}
