import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Channel } from "amqplib";
import { AckBatcher } from "../../../src/amqp/ack-batcher.js";

function fakeChannel() {
  const frames: string[] = [];
  const channel = {
    ack: (m: { fields: { deliveryTag: number } }, multiple: boolean) =>
      frames.push(`ack ${m.fields.deliveryTag}${multiple ? " multiple" : ""}`),
    reject: (m: { fields: { deliveryTag: number } }, requeue: boolean) =>
      frames.push(`reject ${m.fields.deliveryTag}${requeue ? " requeue" : ""}`),
  } as unknown as Channel;
  return { channel, frames };
}

test("acks of one turn in delivery order go out as one multiple ack", async () => {
  const { channel, frames } = fakeChannel();
  const acks = new AckBatcher(channel);
  for (const tag of [1, 2, 3, 4]) acks.delivered(tag);
  for (const tag of [2, 1, 3]) acks.ack(tag);
  assert.deepEqual(frames, [], "nothing before the turn ends");
  await nextTurn();
  assert.deepEqual(frames, ["ack 3 multiple"]);
});

test("an ack behind an unfinished delivery goes out on its own, at once", async () => {
  const { channel, frames } = fakeChannel();
  const acks = new AckBatcher(channel);
  for (const tag of [1, 2, 3]) acks.delivered(tag);
  acks.ack(3);
  await nextTurn();
  assert.deepEqual(frames, ["ack 3"]);
  acks.ack(1);
  acks.ack(2);
  await nextTurn();
  assert.deepEqual(frames, ["ack 3", "ack 2 multiple"], "1 and 2 together; 3 is not acked twice");
});

test("rejections go out at once, and a multiple ack may run over them", async () => {
  const { channel, frames } = fakeChannel();
  const acks = new AckBatcher(channel);
  for (const tag of [1, 2, 3]) acks.delivered(tag);
  acks.reject(2, true);
  assert.deepEqual(frames, ["reject 2 requeue"]);
  acks.ack(1);
  acks.ack(3);
  await nextTurn();
  assert.deepEqual(frames, ["reject 2 requeue", "ack 3 multiple"]);
});

test("a flush on a closed channel is harmless (the broker requeued everything)", async () => {
  const channel = {
    ack: () => {
      throw new Error("Channel closed");
    },
  } as unknown as Channel;
  const acks = new AckBatcher(channel);
  acks.delivered(1);
  acks.ack(1);
  await nextTurn();
  acks.flush();
});

test("a channel that only rejects does not accumulate what it rejected", async () => {
  const { channel } = fakeChannel();
  const acks = new AckBatcher(channel);
  for (let tag = 1; tag <= 1000; tag++) {
    acks.delivered(tag);
    acks.reject(tag, false);
  }
  assert.equal(acks.outstanding, 1000);
  await nextTurn();
  assert.equal(acks.outstanding, 0);
});

test("rejected deliveries behind an unfinished one are forgotten too", async () => {
  const { channel } = fakeChannel();
  const acks = new AckBatcher(channel);
  for (const tag of [1, 2, 3]) acks.delivered(tag);
  acks.reject(2, false);
  acks.reject(3, true);
  await nextTurn();
  assert.equal(acks.outstanding, 1);
});
