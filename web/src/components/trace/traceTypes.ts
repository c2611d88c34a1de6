// The trace view's shapes, as the console's API types name them.
export type { KafkaWait, Trace, TraceSpan } from "../../api/types";
