/**
 * The garbage collector ({@link GarbageCollector}) and its ownership {@link Graph}.
 *
 * @module
 */
export { GarbageCollector, type GarbageCollectorConfig } from "./garbage_collector.ts";
export { FOREGROUND, Graph, type GraphNode, type Identity, ORPHAN, type Work } from "./graph.ts";
