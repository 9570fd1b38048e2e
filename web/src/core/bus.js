// A minimal publish/subscribe hub between the data store, the views and the map.

const handlers = new Map();

export function on(topic, handler) {
  if (!handlers.has(topic)) handlers.set(topic, new Set());
  handlers.get(topic).add(handler);
  return () => handlers.get(topic).delete(handler);
}

export function emit(topic, payload) {
  for (const handler of handlers.get(topic) ?? []) {
    try {
      handler(payload);
    } catch (error) {
      console.error(`handler of ${topic} failed`, error);
    }
  }
}
