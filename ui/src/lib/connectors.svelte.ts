// The connectors this version knows, as they describe themselves (IPC `list_connectors`). They
// are loaded once at start; every screen that shows a system or its settings asks here, so no
// component names a system.

import type { ConnectorDescription } from "./types";

export const connectors = $state<{ list: ConnectorDescription[] }>({ list: [] });

/** Replaces the known connectors (at start, and in tests). */
export function setConnectors(list: ConnectorDescription[]): void {
  connectors.list = list;
}

/** The description of a system, by id (a connection's `kind`). */
export function connectorFor(id: string | null | undefined): ConnectorDescription | undefined {
  if (!id) return undefined;
  return connectors.list.find((c) => c.id === id);
}

/** The connectors a clerk can create a connection of, in the order they were described. */
export function availableConnectors(): ConnectorDescription[] {
  return connectors.list.filter((c) => c.available);
}

/** A system's own name (the same in every language); its id when it is not described. */
export function systemName(id: string | null | undefined): string {
  return connectorFor(id)?.name ?? id ?? "";
}
