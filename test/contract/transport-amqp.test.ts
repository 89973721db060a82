/**
 * The Transport contract on RabbitMQ (the run's vhost).
 */
import { AmqpTransport } from "../../src/amqp/amqp-transport.js";
import { silentLogger } from "../../src/util/logger.js";
import { brokerUri } from "../support/broker.js";
import { describeTransport } from "./transport.contract.js";

describeTransport("amqp", () =>
  AmqpTransport.connect({ uri: brokerUri(), logger: silentLogger, connectionName: "enoki contract" }),
);
