"""A day-trading desk: parallel regions (orders, risk monitor, data feed) and a join.

Run it with ``python examples/day_trading_example.py``. While the desk is ``trading`` all three
regions are active at once; an event goes to every region, and the stored state is one string such
as ``trading[orders=long,risk=normal,feed=live]``. When every region has reached its final state the
engine raises ``done_state_trading`` and the desk moves to ``day_closed``. A second desk breaches its
loss limit and leaves the parallel state through the kill switch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pystator import StateMachine

HERE = Path(__file__).resolve().parent

trades: list[str] = []
reports: list[str] = []


def build_machine() -> StateMachine:
    machine = StateMachine.from_yaml(HERE / "day_trading_fsm.yaml")

    @machine.action("record_trade")
    def record_trade(ctx: dict[str, Any], side: str) -> str:
        trade = f"{side} {ctx['qty']} @ {ctx['price']}"
        trades.append(trade)
        return trade

    @machine.action("report")
    def report(ctx: dict[str, Any], title: str) -> None:
        reports.append(f"{title}: pnl={ctx['pnl']}")

    return machine


def good_day(machine: StateMachine) -> None:
    print("== a good day ==")
    desk = machine.create(
        context={"pnl": 0, "position": 0, "max_notional": 50_000, "max_loss": 1_000, "feed_live": False},
        execute_actions=True,
    )
    desk.send("open_market")
    print(desk.current_state)
    desk.send("buy", qty=100, price=101.0)
    print("buy before the feed is live:", desk.current_state)
    desk.send("feed_up", feed_live=True)
    print(desk.current_state)
    refused = desk.send("buy", qty=1_000, price=101.0)
    print("buy over the notional limit:", refused.success, desk.current_state)
    desk.send("buy", qty=100, price=101.0)
    print(desk.current_state)
    desk.send("heartbeat_missed")
    print(desk.current_state)
    desk.send("sell", qty=100, price=104.5)
    print(desk.current_state, "pnl:", desk.context["pnl"])
    desk.send("market_close")
    print(desk.current_state)
    joined = desk.send("risk_signoff")
    print("join:", joined.metadata.get("completed"), "->", desk.current_state, "final:", desk.is_final)


def bad_day(machine: StateMachine) -> None:
    print("== a bad day ==")
    desk = machine.create(
        context={"pnl": 0, "position": 0, "max_notional": 50_000, "max_loss": 1_000, "feed_live": True},
        execute_actions=True,
    )
    desk.send("open_market")
    desk.send("feed_up")
    desk.send("buy", qty=400, price=100.0)
    desk.send("sell", qty=400, price=96.0)
    desk.send("mark_to_market")
    print(desk.current_state, "pnl:", desk.context["pnl"])
    desk.send("kill_switch")
    print(desk.current_state)


def stateless(machine: StateMachine) -> None:
    print("== process_parallel ==")
    config = machine.enter_parallel_state("trading")
    config, results = machine.process_parallel(config, "feed_up", {})
    print(str(config), [(r.source_state, r.target_state) for r in results])


def main() -> None:
    machine = build_machine()
    good_day(machine)
    bad_day(machine)
    stateless(machine)
    print("trades:", trades)
    print("reports:", reports)


if __name__ == "__main__":
    main()
