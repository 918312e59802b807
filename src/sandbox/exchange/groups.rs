//! Order groups: a group allows at most `contracts_limit` contracts to match across
//! its orders in any rolling 15-second window. A match is capped at the room left
//! (applied in [`super::book`]); reaching the limit triggers the group: its resting
//! orders are canceled and new orders in it are refused (`400 order_group_triggered`)
//! until it is reset. Deleting a group cancels its orders.

use super::{bad, count, not_found, Exchange, GroupRec, Res, GROUP_WINDOW_MS, MAX_GROUP_LIMIT};

impl Exchange {
    pub(super) fn group_index(&self, id: &str) -> Res<usize> {
        self.groups
            .iter()
            .position(|g| g.id == id)
            .ok_or_else(|| not_found("order_group_not_found", format!("no order group {id:?}")))
    }

    pub(super) fn group_room(&mut self, gi: usize, now: i64) -> i64 {
        let group = &mut self.groups[gi];
        group.window.retain(|(t, _)| now - *t < GROUP_WINDOW_MS);
        let used: i64 = group.window.iter().map(|(_, c)| c).sum();
        (group.limit - used).max(0)
    }

    pub(crate) fn create_group(&mut self, limit: i64) -> Res<String> {
        check_group_limit(limit)?;
        let id = uuid::Uuid::new_v4().to_string();
        self.groups.push(GroupRec {
            id: id.clone(),
            limit,
            triggered: false,
            window: Vec::new(),
        });
        Ok(id)
    }

    pub(super) fn cancel_group_orders(&mut self, id: &str, now: i64) {
        let members: Vec<usize> = self
            .markets
            .values()
            .flat_map(|m| m.resting.iter().copied())
            .filter(|&i| self.orders[i].group.as_deref() == Some(id))
            .collect();
        for idx in members {
            self.cancel_idx(idx, now);
        }
    }

    pub(super) fn trigger_group_idx(&mut self, gi: usize, now: i64) {
        self.groups[gi].triggered = true;
        let id = self.groups[gi].id.clone();
        self.cancel_group_orders(&id, now);
    }

    pub(crate) fn trigger_group(&mut self, id: &str, now: i64) -> Res<()> {
        self.expire(now);
        let gi = self.group_index(id)?;
        self.trigger_group_idx(gi, now);
        Ok(())
    }

    pub(crate) fn reset_group(&mut self, id: &str, now: i64) -> Res<()> {
        self.expire(now);
        let gi = self.group_index(id)?;
        let group = &mut self.groups[gi];
        group.triggered = false;
        group.window.clear();
        Ok(())
    }

    pub(crate) fn delete_group(&mut self, id: &str, now: i64) -> Res<()> {
        self.expire(now);
        let gi = self.group_index(id)?;
        self.cancel_group_orders(id, now);
        self.groups.remove(gi);
        Ok(())
    }

    pub(crate) fn update_group_limit(&mut self, id: &str, limit: i64, now: i64) -> Res<()> {
        self.expire(now);
        check_group_limit(limit)?;
        let gi = self.group_index(id)?;
        self.groups[gi].limit = limit;
        Ok(())
    }
}

pub(super) fn check_group_limit(limit: i64) -> Res<()> {
    if limit <= 0 || limit > MAX_GROUP_LIMIT {
        return Err(bad(
            "invalid_contracts_limit",
            format!(
                "contracts_limit {} must be more than 0 and at most {}",
                count(limit),
                count(MAX_GROUP_LIMIT)
            ),
        ));
    }
    Ok(())
}
