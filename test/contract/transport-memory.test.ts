/**
 * The Transport contract in memory: every transport of the suite connects to one broker, as the
 * AMQP run's transports share one vhost.
 */

import { MemoryBroker } from "../../src/transport/memory/memory-broker.js";
import { MemoryTransport } from "../../src/transport/memory/memory-transport.js";
import { silentLogger } from "../../src/util/logger.js";
import { describeTransport } from "./transport.contract.js";

const broker = new MemoryBroker();

describeTransport("memory", async () => new MemoryTransport({ broker, logger: silentLogger }));
