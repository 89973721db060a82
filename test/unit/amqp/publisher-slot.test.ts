import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChannelModel } from "amqplib";
import { PublisherSlot, type SlotPublisher } from "../../../src/amqp/publisher-slot.js";

interface FakePublisher extends SlotPublisher {
  readonly on: string;
}

/** A slot whose openings the test settles by hand, one per connection. */
function slotWithOpenings() {
  const openings: Array<{ on: string; resolve(p: FakePublisher): void; reject(e: Error): void }> = [];
  const slot = new PublisherSlot<FakePublisher>(
    (model) =>
      new Promise((resolve, reject) => {
        openings.push({ on: (model as unknown as { name: string }).name, resolve, reject });
      }),
  );
  const publisher = (on: string): FakePublisher => ({ on, open: true, close: async () => undefined });
  return { slot, openings, publisher };
}
const connection = (name: string) => ({ name }) as unknown as ChannelModel;

test("publishes asking on one connection share one opening", async () => {
  const { slot, openings, publisher } = slotWithOpenings();
  const a = connection("a");
  const first = slot.openOn(a);
  const second = slot.openOn(a);
  assert.equal(openings.length, 1);
  openings[0]?.resolve(publisher("a"));
  assert.equal((await first).on, "a");
  assert.equal((await second).on, "a");
  assert.equal(slot.ready?.on, "a");
});

test("an opening under way on a connection that has gone is not shared with the next one", async () => {
  const { slot, openings, publisher } = slotWithOpenings();
  const a = connection("a");
  const b = connection("b");
  const onA = slot.openOn(a);
  onA.catch(() => undefined);
  slot.forget(); // connection a closed
  const onB = slot.openOn(b);
  assert.deepEqual(
    openings.map((o) => o.on),
    ["a", "b"],
    "the new connection opens its own channel",
  );
  openings[1]?.resolve(publisher("b"));
  assert.equal((await onB).on, "b");
  // The old connection's opening ends late: it must not take the slot from the new one.
  openings[0]?.resolve(publisher("a"));
  assert.equal((await onA).on, "a");
  assert.equal(slot.ready?.on, "b");
});

test("a failed opening is not kept: the next publish opens again", async () => {
  const { slot, openings, publisher } = slotWithOpenings();
  const a = connection("a");
  const failed = slot.openOn(a);
  openings[0]?.reject(new Error("channel refused"));
  await assert.rejects(failed, /channel refused/);
  const again = slot.openOn(a);
  assert.equal(openings.length, 2);
  openings[1]?.resolve(publisher("a"));
  assert.equal((await again).on, "a");
});
