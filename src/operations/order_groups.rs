//! Order groups: a contracts limit over a rolling window that cancels the group's
//! orders when hit.

use super::{build_request, require_id};
use crate::client::CallKind;
use crate::money::Count;
use crate::order_builders::Amount;
use crate::types;
use crate::{Client, Error, Result};

impl Client {
    /// All order groups (`GET /portfolio/order_groups`; not paginated by Kalshi).
    pub fn get_order_groups(&self) -> Result<Vec<types::OrderGroup>> {
        let response = self.call("get_order_groups", CallKind::READ, |raw| async move {
            raw.get_order_groups().send().await
        })?;
        Ok(response.order_groups)
    }

    /// One order group with the ids of its orders
    /// (`GET /portfolio/order_groups/{order_group_id}`).
    pub fn get_order_group(&self, order_group_id: &str) -> Result<types::GetOrderGroupResponse> {
        require_id("order_group_id", order_group_id)?;
        let id = order_group_id.to_string();
        self.call("get_order_group", CallKind::READ, move |raw| {
            let id = id.clone();
            async move { raw.get_order_group().order_group_id(id).send().await }
        })
    }

    /// Create an order group that allows at most `contracts_limit` contracts to match
    /// per rolling window (`POST /portfolio/order_groups/create`).
    pub fn create_order_group(
        &self,
        contracts_limit: impl Into<Amount<Count>>,
    ) -> Result<types::CreateOrderGroupResponse> {
        let limit = contracts_limit_body(contracts_limit.into())?;
        let body: types::CreateOrderGroupRequest = build_request(
            types::builder::CreateOrderGroupRequest::default().contracts_limit_fp(limit),
        )?;
        // Not keyed: a repeated create could make a second group, so it is retried only
        // when the first attempt certainly did nothing.
        self.call("create_order_group", CallKind::UNKEYED_WRITE, move |raw| {
            let body = body.clone();
            async move { raw.create_order_group().body(body).send().await }
        })
    }

    /// Delete an order group and cancel its orders
    /// (`DELETE /portfolio/order_groups/{order_group_id}`).
    pub fn delete_order_group(&self, order_group_id: &str) -> Result<()> {
        require_id("order_group_id", order_group_id)?;
        let id = order_group_id.to_string();
        self.call("delete_order_group", CallKind::keyed_write(1), move |raw| {
            let id = id.clone();
            async move { raw.delete_order_group().order_group_id(id).send().await }
        })
        .map(drop)
    }

    /// Reset the group's matched-contracts counter so it accepts orders again
    /// (`PUT /portfolio/order_groups/{order_group_id}/reset`).
    pub fn reset_order_group(&self, order_group_id: &str) -> Result<()> {
        require_id("order_group_id", order_group_id)?;
        let id = order_group_id.to_string();
        self.call("reset_order_group", CallKind::keyed_write(1), move |raw| {
            let id = id.clone();
            async move {
                // The spec's optional `{}` body is generated as a required one.
                let body = serde_json::Map::new();
                raw.reset_order_group()
                    .order_group_id(id)
                    .body(body)
                    .send()
                    .await
            }
        })
        .map(drop)
    }

    /// Trigger the group now: cancel its orders and block new ones until reset
    /// (`PUT /portfolio/order_groups/{order_group_id}/trigger`).
    pub fn trigger_order_group(&self, order_group_id: &str) -> Result<()> {
        require_id("order_group_id", order_group_id)?;
        let id = order_group_id.to_string();
        self.call(
            "trigger_order_group",
            CallKind::keyed_write(1),
            move |raw| {
                let id = id.clone();
                async move {
                    let body = serde_json::Map::new();
                    raw.trigger_order_group()
                        .order_group_id(id)
                        .body(body)
                        .send()
                        .await
                }
            },
        )
        .map(drop)
    }

    /// Change the group's contracts limit
    /// (`PUT /portfolio/order_groups/{order_group_id}/limit`).
    pub fn update_order_group_limit(
        &self,
        order_group_id: &str,
        contracts_limit: impl Into<Amount<Count>>,
    ) -> Result<()> {
        require_id("order_group_id", order_group_id)?;
        let limit = contracts_limit_body(contracts_limit.into())?;
        let body: types::UpdateOrderGroupLimitRequest = build_request(
            types::builder::UpdateOrderGroupLimitRequest::default().contracts_limit_fp(limit),
        )?;
        let id = order_group_id.to_string();
        // Setting a limit twice leaves the same limit: safe to repeat.
        self.call(
            "update_order_group_limit",
            CallKind::keyed_write(1),
            move |raw| {
                let (id, body) = (id.clone(), body.clone());
                async move {
                    raw.update_order_group_limit()
                        .order_group_id(id)
                        .body(body)
                        .send()
                        .await
                }
            },
        )
        .map(drop)
    }
}

fn contracts_limit_body(limit: Amount<Count>) -> Result<Count> {
    let limit = limit.resolve("contracts_limit")?;
    if limit.is_positive() {
        Ok(limit)
    } else {
        Err(Error::invalid(
            "contracts_limit",
            format!("must be more than zero, got {limit}"),
        ))
    }
}
