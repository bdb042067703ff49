/**
 * A Porcupine-style (Wing & Gong, with Lowe's memoisation) linearizability checker for one
 * register. Each operation has a call and a return time; an operation that never returned (its
 * node crashed, its client gave up) returns at infinity: it may have taken effect at any point
 * after its call, or never.
 */
export interface RegisterOperation {
  readonly kind: "write" | "read";
  /** The value written, or the value the read returned. */
  readonly value: number | null;
  readonly callTime: number;
  readonly returnTime: number;
}

interface HistoryEvent {
  readonly isCall: boolean;
  readonly operation: number;
  readonly time: number;
  match: HistoryEvent | null;
  previous: HistoryEvent | null;
  next: HistoryEvent | null;
}

export type CheckResult = "linearizable" | "not linearizable" | "too long to check";

/** Whether the history is linearizable for a register starting at `initial`. */
export function checkRegisterHistory(operations: readonly RegisterOperation[], initial: number | null, maxSearchSteps = 2_000_000): CheckResult {
  const events: HistoryEvent[] = [];
  operations.forEach((operation, index) => {
    const call: HistoryEvent = { isCall: true, operation: index, time: operation.callTime, match: null, previous: null, next: null };
    const ret: HistoryEvent = { isCall: false, operation: index, time: operation.returnTime, match: null, previous: null, next: null };
    call.match = ret;
    events.push(call, ret);
  });
  // Returns sort before calls at the same time: an operation that returned before another was called precedes it.
  events.sort((left, right) => (left.time < right.time ? -1 : left.time > right.time ? 1 : Number(left.isCall) - Number(right.isCall)));
  const head: HistoryEvent = { isCall: false, operation: -1, time: -Infinity, match: null, previous: null, next: null };
  let last = head;
  for (const event of events) {
    last.next = event;
    event.previous = last;
    last = event;
  }
  const linearized = new Uint8Array(operations.length);
  const seen = new Set<string>();
  const stack: { event: HistoryEvent; state: number | null }[] = [];
  let state = initial;
  let entry = head.next;
  let steps = 0;
  while (entry !== null) {
    if (++steps > maxSearchSteps) return "too long to check";
    if (entry.isCall) {
      const operation = operations[entry.operation];
      const ok = operation.kind === "write" || operation.value === state;
      const nextState = operation.kind === "write" ? operation.value : state;
      if (ok) {
        linearized[entry.operation] = 1;
        const key = `${nextState}|${linearized.join("")}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ event: entry, state });
          state = nextState;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.operation] = 0;
      }
      entry = entry.next;
    } else {
      const top = stack.pop();
      if (top === undefined) return "not linearizable";
      state = top.state;
      linearized[top.event.operation] = 0;
      unlift(top.event);
      entry = top.event.next;
    }
  }
  return "linearizable";
}

function lift(call: HistoryEvent): void {
  call.previous!.next = call.next;
  if (call.next !== null) call.next.previous = call.previous;
  const ret = call.match!;
  ret.previous!.next = ret.next;
  if (ret.next !== null) ret.next.previous = ret.previous;
}

function unlift(call: HistoryEvent): void {
  const ret = call.match!;
  ret.previous!.next = ret;
  if (ret.next !== null) ret.next.previous = ret;
  call.previous!.next = call;
  if (call.next !== null) call.next.previous = call;
}
