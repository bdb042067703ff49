import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage, RawNode } from "../../../src/raft/index.js";
import { TestCluster } from "./cluster-helper.js";

test("a node elected leader replicates and commits a proposal on every member", () => {
  const cluster = new TestCluster(["a", "b", "c"]);
  cluster.elect("a");
  assert.deepEqual(cluster.leaders(), ["a"]);
  const index = cluster.raw("a").propose({ value: 1 });
  assert.notEqual(index, null);
  cluster.settle();
  cluster.tick("a");
  cluster.settle();
  for (const id of ["a", "b", "c"]) {
    const commands = cluster.nodes.get(id)!.applied.filter((entry) => entry.kind === "command");
    assert.deepEqual(commands.map((entry) => entry.data), [{ value: 1 }], `${id} applied the command`);
  }
});

test("a vote is not sent before the term and vote it promises are handed out for persisting", () => {
  const raw = new RawNode({ id: "a", electionTicks: 5, heartbeatTicks: 1, randomInt: () => 0 }, new MemoryStorage({ voters: ["a", "b", "c"], learners: [] }));
  for (let tick = 0; tick < 5; tick++) raw.tick();
  let ready = raw.ready();
  assert.equal(ready.messagesNow.length, 0);
  assert.deepEqual(ready.messages.map((message) => message.type), ["preVote", "preVote"]);
  raw.advance(ready);
  raw.step({ type: "preVoteResponse", from: "b", to: "a", term: 1, granted: true });
  ready = raw.ready();
  assert.equal(ready.hardState?.term, 1);
  assert.equal(ready.hardState?.vote, "a");
  assert.equal(ready.messagesNow.length, 0, "vote requests wait for the vote to be durable");
  assert.deepEqual(ready.messages.map((message) => message.type), ["vote", "vote"]);
});

test("a node cut off does not raise its term (pre-vote) and does not disturb the leader when it returns", () => {
  const cluster = new TestCluster(["a", "b", "c"]);
  cluster.elect("a");
  const term = cluster.raw("a").status().term;
  cluster.isolate("c");
  cluster.tick("c", 100);
  cluster.settle();
  assert.equal(cluster.raw("c").status().term, term, "pre-votes that nobody answers leave the term alone");
  cluster.heal();
  cluster.tick("a");
  cluster.settle();
  assert.equal(cluster.raw("a").status().role, "leader");
  assert.equal(cluster.raw("a").status().term, term);
});

test("a leader that lost its majority steps down (check-quorum)", () => {
  const cluster = new TestCluster(["a", "b", "c"]);
  cluster.elect("a");
  const term = cluster.raw("a").status().term;
  cluster.isolate("a");
  for (let tick = 0; tick < 30; tick++) {
    cluster.tick("a");
    cluster.settle();
  }
  assert.notEqual(cluster.raw("a").status().role, "leader");
  assert.equal(cluster.raw("a").status().term, term, "and, cut off, it only pre-votes");
});

test("leadership moves to the member asked for once its log is up to date", () => {
  const cluster = new TestCluster(["a", "b", "c"]);
  cluster.elect("a");
  cluster.raw("a").propose("x");
  assert.equal(cluster.raw("a").transferLeadership("c"), true);
  assert.equal(cluster.raw("a").propose("refused while transferring"), null);
  cluster.settle();
  assert.deepEqual(cluster.leaders(), ["c"]);
  assert.equal(cluster.raw("c").logTerm(2), cluster.raw("a").logTerm(2), "the new leader holds what the old one had");
});

test("a learner catches up, is promoted, and a member is removed, one change at a time", () => {
  const cluster = new TestCluster(["a", "b", "c"]);
  cluster.elect("a");
  cluster.tick("a");
  cluster.settle();
  for (let count = 0; count < 5; count++) cluster.raw("a").propose(count);
  cluster.settle();
  cluster.add("d", new MemoryStorage());
  assert.equal(cluster.raw("a").changeMembership({ kind: "addLearner", member: "d" }), null);
  assert.match(cluster.raw("a").changeMembership({ kind: "remove", member: "b" }) ?? "", /not committed/);
  cluster.settle();
  cluster.tick("a");
  cluster.settle();
  assert.deepEqual(cluster.raw("d").status().membership.learners, ["d"]);
  assert.equal(cluster.raw("a").changeMembership({ kind: "promote", member: "d" }), null);
  cluster.settle();
  cluster.tick("a");
  cluster.settle();
  assert.deepEqual([...cluster.raw("a").status().membership.voters].sort(), ["a", "b", "c", "d"]);
  assert.match(cluster.raw("a").changeMembership({ kind: "remove", member: "a" }) ?? "", /transfer leadership first/);
  assert.equal(cluster.raw("a").changeMembership({ kind: "remove", member: "b" }), null);
  cluster.settle();
  assert.deepEqual([...cluster.raw("c").status().membership.voters].sort(), ["a", "c", "d"]);
});

test("a read is given the leader's commit index only after a majority confirmed its leadership", () => {
  const cluster = new TestCluster(["a", "b", "c"]);
  cluster.elect("a");
  cluster.tick("a");
  cluster.settle();
  const leader = cluster.raw("a");
  assert.equal(leader.readIndex("r1"), true);
  const ready = leader.ready();
  assert.deepEqual(ready.readStates, [], "not before the heartbeat round");
  assert.ok(ready.messagesNow.some((message) => message.type === "heartbeat"));
  leader.advance(ready);
  let served: unknown[] = [];
  cluster.inFlight.push(...ready.messagesNow);
  for (let round = 0; round < 5; round++) {
    const batch = cluster.inFlight.splice(0);
    for (const message of batch) cluster.raw(message.to).step(message);
    for (const node of cluster.nodes.values()) {
      while (node.raw.hasReady()) {
        const next = node.raw.ready();
        node.storage.append(next.entries);
        if (next.hardState) node.storage.setHardState(next.hardState);
        served = served.concat(next.readStates);
        cluster.inFlight.push(...next.messagesNow, ...next.messages);
        node.raw.advance(next);
      }
    }
  }
  assert.deepEqual(served, [{ context: "r1", index: leader.status().commit }]);
});

test("a leader whose members hold and know everything says it is quiescent, and stops being so on a proposal", () => {
  const cluster = new TestCluster(["a", "b", "c"]);
  cluster.elect("a");
  cluster.tick("a");
  cluster.settle();
  cluster.tick("a");
  cluster.settle();
  assert.equal(cluster.raw("a").isQuiescent(), true);
  cluster.raw("a").propose("wake up");
  assert.equal(cluster.raw("a").isQuiescent(), false);
});

test("a snapshot brings a member that lags behind compaction up to date", () => {
  const cluster = new TestCluster(["a", "b", "c"]);
  cluster.elect("a");
  cluster.isolate("c");
  for (let count = 0; count < 10; count++) cluster.raw("a").propose(count);
  cluster.settle();
  cluster.tick("a");
  cluster.settle();
  for (const id of ["a", "b"]) {
    const node = cluster.nodes.get(id)!;
    const metadata = node.raw.snapshotMetadata(node.raw.status().applied)!;
    node.storage.compact({ ...metadata, data: "image" });
  }
  cluster.heal();
  for (let tick = 0; tick < 5; tick++) {
    cluster.tick("a");
    cluster.settle();
  }
  const lagging = cluster.nodes.get("c")!;
  assert.equal(lagging.storage.snapshot().data, "image");
  assert.equal(lagging.raw.status().commit, cluster.raw("a").status().commit);
});
