//! Cursor pagination for the list operations (fills, orders, positions, settlements).
//!
//! A list call is a [`List`] request builder: filters are its methods, [`List::send`]
//! fetches one [`Page`] (its items and the cursor to continue from, so a batch job can
//! checkpoint and resume with [`List::cursor`]), and [`List::pages`] / [`List::iter`]
//! walk every page lazily, holding one page in memory at a time.
//!
//! The walk ends when Kalshi returns an empty or absent cursor. Two answers would
//! otherwise make it loop forever, so they end the walk with [`Error::Pagination`]
//! instead: a cursor that comes back a second time, and a run of
//! [`MAX_EMPTY_PAGES_IN_A_ROW`] empty pages that each carry a new cursor (a server
//! paging through nothing). [`List::max_pages`] bounds a walk further.

use std::collections::HashSet;
use std::future::Future;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::ResponseValue;

use crate::client::CallKind;
use crate::error::{Error, Result};
use crate::generated::Client as RawClient;
use crate::Client;

/// How many empty pages in a row, each with a cursor to a next one, end a walk. Kalshi
/// fills a page before it hands out a cursor, so even one such page is odd; five allow
/// for a filter that empties a few pages in a row, and stop a server that pages through
/// nothing after five requests instead of never.
pub const MAX_EMPTY_PAGES_IN_A_ROW: usize = 5;

/// One page of a list: its items, and the cursor of the next page (`None` on the last).
/// Serializes as `{"items": [...], "cursor": ...}`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page, in the order Kalshi sent them.
    pub items: Vec<T>,
    /// Pass to [`List::cursor`] to fetch the next page; `None` when this is the last.
    pub cursor: Option<String>,
}

impl<T> Page<T> {
    pub(crate) fn new(items: Vec<T>, cursor: Option<String>) -> Self {
        Page {
            items,
            cursor: cursor.filter(|c| !c.is_empty()),
        }
    }

    /// Whether another page follows.
    pub fn has_more(&self) -> bool {
        self.cursor.is_some()
    }
}

/// A paginated operation: how to fetch one page of it with the filters it holds.
///
/// Implemented by the filter sets in [`crate::operations`]; not meant to be
/// implemented outside this crate.
pub trait ListOperation: Clone + Send + Sync + 'static {
    /// What one page holds a list of.
    type Item: Send + 'static;
    /// The generated response type of one page.
    type Response: Send + 'static;
    /// The operation's name in errors and traces.
    const OPERATION: &'static str;
    /// The largest `limit` Kalshi accepts for this operation.
    const MAX_LIMIT: u64;

    /// Fetch one page with these filters.
    #[doc(hidden)]
    fn fetch(
        self,
        raw: Arc<RawClient>,
        cursor: Option<String>,
        limit: Option<NonZeroU64>,
    ) -> impl Future<
        Output = std::result::Result<ResponseValue<Self::Response>, progenitor_client::Error<()>>,
    > + Send
           + 'static;

    /// Split a response into items and cursor.
    #[doc(hidden)]
    fn into_page(response: Self::Response) -> Page<Self::Item>;
}

/// A list request: filters, page size and starting cursor, ready to send or walk.
#[derive(Clone, Debug)]
#[must_use = "a list request does nothing until .send(), .pages() or .iter()"]
pub struct List<Op> {
    client: Client,
    pub(crate) filters: Op,
    cursor: Option<String>,
    limit: Option<u64>,
    max_pages: Option<usize>,
    timeout: Option<Duration>,
}

impl<Op: ListOperation> List<Op> {
    pub(crate) fn new(client: Client, filters: Op) -> Self {
        List {
            client,
            filters,
            cursor: None,
            limit: None,
            max_pages: None,
            timeout: None,
        }
    }

    /// Items per page (1 to the operation's maximum, usually 1000; Kalshi's default is
    /// 100). Checked before sending.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Start from this cursor (from a previous [`Page::cursor`]) instead of the first
    /// page: how a batch job resumes where it stopped.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into()).filter(|c| !c.is_empty());
        self
    }

    /// Stop [`List::pages`] and [`List::iter`] after this many pages (no limit by
    /// default). The last page's cursor tells where to resume.
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// A timeout for each page request of this list, instead of the client's (for
    /// walks with large pages over a slow link, or a tighter bound for a quick check).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    fn checked_limit(&self) -> Result<Option<NonZeroU64>> {
        match self.limit {
            None => Ok(None),
            Some(limit) if (1..=Op::MAX_LIMIT).contains(&limit) => Ok(NonZeroU64::new(limit)),
            Some(limit) => Err(Error::invalid(
                "limit",
                format!(
                    "{limit} is outside 1..={} for {}",
                    Op::MAX_LIMIT,
                    Op::OPERATION
                ),
            )),
        }
    }

    fn fetch(&self, cursor: Option<String>, limit: Option<NonZeroU64>) -> Result<Page<Op::Item>> {
        let filters = self.filters.clone();
        let response = self.client.call(
            Op::OPERATION,
            CallKind::READ.with_timeout(self.timeout),
            move |raw| filters.clone().fetch(raw, cursor.clone(), limit),
        )?;
        let page = Op::into_page(response);
        let asked = limit.map_or(Op::MAX_LIMIT, NonZeroU64::get);
        if page.items.len() as u64 > asked {
            // Kept: the items are real. But a server that ignores the page size may
            // also ignore other filters, which the caller should hear about.
            tracing::warn!(
                operation = Op::OPERATION,
                items = page.items.len(),
                limit = asked,
                "a page holds more items than the limit asked for"
            );
        }
        Ok(page)
    }

    /// Fetch one page: the first, or the one at [`List::cursor`].
    pub fn send(&self) -> Result<Page<Op::Item>> {
        let limit = self.checked_limit()?;
        self.fetch(self.cursor.clone(), limit)
    }

    /// Walk the pages lazily, one request per page.
    pub fn pages(self) -> Pages<Op> {
        let mut seen = HashSet::new();
        if let Some(cursor) = &self.cursor {
            seen.insert(fingerprint(cursor));
        }
        let next = match self.checked_limit() {
            Ok(_) => State::Fetch(self.cursor.clone()),
            Err(e) => State::Failed(e),
        };
        Pages {
            request: self,
            next,
            seen,
            fetched: 0,
            empty_in_a_row: 0,
        }
    }

    /// Walk every item of every page lazily. An error ends the walk after it is
    /// yielded.
    pub fn iter(self) -> Items<Op> {
        Items {
            pages: self.pages(),
            current: Vec::new().into_iter(),
        }
    }
}

impl<Op: ListOperation> IntoIterator for List<Op> {
    type Item = Result<Op::Item>;
    type IntoIter = Items<Op>;

    fn into_iter(self) -> Items<Op> {
        self.iter()
    }
}

enum State {
    /// Fetch the page at this cursor (`None`: the first page).
    Fetch(Option<String>),
    /// Yield this error, then stop.
    Failed(Error),
    Done,
}

/// Iterator over the pages of a [`List`]; see [`List::pages`].
pub struct Pages<Op> {
    request: List<Op>,
    next: State,
    /// Fingerprints of the cursors seen so far: 8 bytes a page rather than the cursor
    /// text, so a walk of millions of items still holds about one page in memory.
    seen: HashSet<u64>,
    fetched: usize,
    /// Empty pages with a cursor since the last page that held items.
    empty_in_a_row: usize,
}

impl<Op: ListOperation> Iterator for Pages<Op> {
    type Item = Result<Page<Op::Item>>;

    fn next(&mut self) -> Option<Self::Item> {
        let cursor = match std::mem::replace(&mut self.next, State::Done) {
            State::Fetch(cursor) => cursor,
            State::Failed(error) => return Some(Err(error)),
            State::Done => return None,
        };
        if self
            .request
            .max_pages
            .is_some_and(|max| self.fetched >= max)
        {
            return None;
        }
        let limit = match self.request.checked_limit() {
            Ok(limit) => limit,
            Err(e) => return Some(Err(e)),
        };
        let page = match self.request.fetch(cursor, limit) {
            Ok(page) => page,
            Err(e) => return Some(Err(e)),
        };
        self.fetched += 1;
        if let Some(next) = &page.cursor {
            if page.items.is_empty() {
                self.empty_in_a_row += 1;
            } else {
                self.empty_in_a_row = 0;
            }
            self.next = if !self.seen.insert(fingerprint(next)) {
                State::Failed(Error::Pagination {
                    operation: Op::OPERATION,
                    reason: format!(
                        "the server returned cursor {next:?} a second time; following it \
                         would repeat pages forever"
                    ),
                })
            } else if self.empty_in_a_row >= MAX_EMPTY_PAGES_IN_A_ROW {
                State::Failed(Error::Pagination {
                    operation: Op::OPERATION,
                    reason: format!(
                        "the server sent {} empty pages in a row, each with a cursor to a \
                         next one; the walk stops rather than page through nothing forever",
                        self.empty_in_a_row
                    ),
                })
            } else {
                State::Fetch(Some(next.clone()))
            };
        }
        Some(Ok(page))
    }
}

impl<Op: ListOperation> std::iter::FusedIterator for Pages<Op> {}

/// A 64-bit fingerprint of a cursor. Two different cursors sharing one would end a
/// walk with a false "repeated cursor" error; for the few thousand pages of any real
/// walk that chance is below one in a trillion.
fn fingerprint(cursor: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(cursor)
}

/// Iterator over the items of every page of a [`List`]; see [`List::iter`].
pub struct Items<Op: ListOperation> {
    pages: Pages<Op>,
    current: std::vec::IntoIter<Op::Item>,
}

impl<Op: ListOperation> Iterator for Items<Op> {
    type Item = Result<Op::Item>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(Ok(item));
            }
            // Free the spent page's buffer before the next one is fetched and decoded,
            // so the walk never holds two pages at once.
            self.current = Vec::new().into_iter();
            match self.pages.next()? {
                Ok(page) => self.current = page.items.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl<Op: ListOperation> std::iter::FusedIterator for Items<Op> {}
