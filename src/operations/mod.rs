//! The facade: the user's 20 portfolio operations as blocking methods on
//! [`Client`](crate::Client), grouped by the spec's tags (orders, order groups,
//! portfolio).
//!
//! Every method is a thin call into the generated client through
//! [`Client::raw`](crate::Client::raw): paths, parameter names and wire types come from
//! the spec, never from here. What the facade adds is validation before sending, exact
//! money, pagination and typed results.

mod order_groups;
mod orders;
mod portfolio;

pub use orders::*;
pub use portfolio::*;

/// Declare a paginated operation: its filter set (a struct of optional parameters),
/// the filter setters on [`List`](crate::pagination::List), and how one page is
/// fetched through the generated builder. Setter names are the generated builder's,
/// so a parameter renamed in the spec fails to compile here.
macro_rules! list_operation {
    (
        $(#[$meta:meta])*
        $name:ident => $generated:ident, response: $response:ty, item: $item:ty, max_limit: $max:expr,
        into_page: $into_page:expr,
        filters { $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default)]
        pub struct $name {
            $( $field: Option<$ty>, )*
        }

        impl crate::pagination::List<$name> {
            $(
                $(#[$fmeta])*
                pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                    self.filters.$field = Some(value.into());
                    self
                }
            )*
        }

        impl crate::pagination::ListOperation for $name {
            type Item = $item;
            type Response = $response;
            const OPERATION: &'static str = stringify!($generated);
            const MAX_LIMIT: u64 = $max;

            fn fetch(
                self,
                raw: std::sync::Arc<crate::generated::Client>,
                cursor: Option<String>,
                limit: Option<std::num::NonZeroU64>,
            ) -> impl std::future::Future<
                Output = Result<
                    progenitor_client::ResponseValue<$response>,
                    progenitor_client::Error<()>,
                >,
            > + Send
                   + 'static {
                async move {
                    let mut request = raw.$generated();
                    $( if let Some(value) = self.$field { request = request.$field(value); } )*
                    if let Some(cursor) = cursor {
                        request = request.cursor(cursor);
                    }
                    if let Some(limit) = limit {
                        request = request.limit(limit);
                    }
                    request.send().await
                }
            }

            fn into_page(response: $response) -> crate::pagination::Page<$item> {
                let into_page: fn($response) -> crate::pagination::Page<$item> = $into_page;
                into_page(response)
            }
        }
    };
}
pub(crate) use list_operation;

/// Reject an empty or blank id before it becomes an empty path segment.
pub(crate) fn require_id(field: &str, id: &str) -> crate::Result<()> {
    if id.trim().is_empty() {
        Err(crate::Error::invalid(field, "must not be empty"))
    } else {
        Ok(())
    }
}
