//! The facade: the user's 20 portfolio operations, and the four market reads order
//! validation needs, as blocking methods on [`Client`](crate::Client), grouped by
//! the spec's tags (orders, order groups, portfolio, markets).
//!
//! Every method is a thin call into the generated client through
//! [`Client::raw`](crate::Client::raw): paths, parameter names and wire types come from
//! the spec, never from here. What the facade adds is validation before sending, exact
//! money, pagination and typed results.

mod batches;
mod cancel_by_filter;
mod lookups;
mod markets;
mod order_groups;
mod orders;
mod portfolio;
mod resolve;
mod settled;

pub use batches::{BATCH_FAILED, NOT_CANCELLED, NOT_PLACED, NOT_SENT};
pub use cancel_by_filter::CancelOrders;
pub use markets::{Level, Markets, Orderbook, OrderbookRequest};
pub use orders::*;
pub use portfolio::*;
pub use resolve::DEFAULT_RESOLVE_GRACE;

/// Declare a paginated operation: its filter set (a struct of optional parameters),
/// the filter setters on [`List`](crate::pagination::List), and how one page is
/// fetched through the generated builder. Setter names are the generated builder's,
/// so a parameter renamed in the spec fails to compile here.
macro_rules! list_operation {
    (
        $(#[$meta:meta])*
        $name:ident => $generated:ident, response: $response:ty, item: $item:ty, max_limit: $max:expr,
        $( limit_as: $limit_as:expr, )?
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
                    // Where the spec types the limit otherwise than a non-zero integer.
                    $( let limit = limit.map($limit_as); )?
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

/// Finish a request body from its generated builder.
///
/// The facade never writes a generated struct as a literal, which must name every
/// field and so breaks the build whenever Kalshi adds an optional one. A builder
/// fails only when the spec made a field required that the facade does not set: a
/// breaking change, reported before anything is sent, naming the type and the field.
pub(crate) fn build_request<T, B>(builder: B) -> crate::Result<T>
where
    B: TryInto<T, Error = crate::types::error::ConversionError>,
{
    builder.try_into().map_err(|e| {
        crate::Error::invalid(
            "request",
            format!(
                "the generated {} needs a value the facade does not set ({e}); the \
                 vendored spec changed incompatibly (openapi/README.md)",
                short_type_name::<T>()
            ),
        )
    })
}

/// Finish an answer the facade settles itself (an order found by lookup reported as
/// the create's answer) from its generated builder. A failure means the spec made a
/// field required that a lookup cannot supply; it is reported like an answer that does
/// not decode, which keeps `may_have_reached_exchange()` true.
pub(crate) fn build_answer<T, B>(builder: B) -> crate::Result<T>
where
    B: TryInto<T, Error = crate::types::error::ConversionError>,
{
    builder.try_into().map_err(|e| {
        crate::Error::decode(
            short_type_name::<T>(),
            format!("the facade cannot build this answer from the order it found: {e}"),
            b"",
        )
    })
}

/// `CreateOrderV2Response` rather than its whole module path.
fn short_type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    name.rsplit("::").next().unwrap_or(name)
}
