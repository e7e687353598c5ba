// The shapes of the REST API's responses that the UI reads (see docs/api/rest-api.md).
import type { ValidationReport } from "./locate";

export type { ValidationReport };

export interface ErrorBody {
  status: number;
  code: string;
  message: string;
  path?: string | null;
  errors?: string[];
  details?: Record<string, unknown>;
}

export interface MachineSummary {
  machine_id: string;
  version: number;
  description: string;
  created_at: string;
  initial_state: string;
  states: string[];
  triggers: string[];
  /** Set when this release cannot load the stored configuration (listed anyway). */
  error?: string | null;
}

export interface MachineOut extends MachineSummary {
  versions: number[];
  format: string;
  source: string;
  config: Record<string, unknown>;
}

export interface CompatibilityReport {
  machine_id: string;
  current_version: number;
  compatible: boolean;
  removed_states: string[];
  added_states: string[];
  removed_triggers: string[];
  added_triggers: string[];
  changed_transitions: string[];
  initial_state_changed: boolean;
  stranded_entities: number;
  stranded_by_state: Record<string, number>;
}

export interface EntityOut {
  entity_id: string;
  machine_id: string;
  state: string;
  version: number;
  context: Record<string, unknown>;
  updated_at: string;
  active_states: string[];
  is_terminal: boolean;
}

export interface EntityPage {
  items: EntityOut[];
  next_after: string | null;
}

export interface ActionPlan {
  name: string;
  kind: string;
  params: Record<string, unknown>;
  phase: string;
  state: string | null;
}

export interface EventResponse {
  success: boolean;
  entity_id: string;
  source_state: string;
  target_state: string | null;
  trigger: string;
  version: number | null;
  duplicate: boolean;
  actions: ActionPlan[];
  action_results: { action_name: string; status: string; success: boolean; result: unknown; error: string | null }[];
  error: ErrorBody | null;
}

export interface TransitionOut {
  entity_id: string;
  machine_id: string;
  version: number;
  from_state: string | null;
  to_state: string;
  trigger: string;
  occurred_at: string;
  actions_status: string;
  context_changes: Record<string, unknown>;
}

export interface TransitionPage {
  items: TransitionOut[];
  next_cursor: string | null;
}

export interface TimelineEntry {
  state: string;
  version: number;
  trigger: string;
  entered_at: string;
  left_at: string | null;
  duration_seconds: number | null;
}

export interface TriggersOut {
  entity_id: string;
  state: string;
  available: string[];
  defined: string[];
}

export interface FleetSummary {
  machines: number;
  entities: number;
  transitions_last_hour: number;
  per_machine: { machine_id: string; version: number; entities: number; transitions_last_hour: number }[];
  unassigned_entities: number;
}

export interface StateCounts {
  machine_id: string;
  counts: Record<string, number>;
  total: number;
}

export interface TransitionRates {
  window_seconds: number;
  per_machine: Record<string, number>;
  per_minute: Record<string, number>;
  total: number;
}

export interface MeOut {
  name: string;
  kind: string;
  auth_enabled: boolean;
}

export interface QueuedEventOut {
  event_id: string;
  machine_id: string;
  entity_id: string;
  trigger: string;
  payload: Record<string, unknown>;
  status: string;
  attempts: number;
  created_at: string;
  last_error: string | null;
}

export interface DeadLetterOut {
  event: QueuedEventOut;
  reason: string;
  error: string;
  attempts: number;
  dead_at: string;
}
