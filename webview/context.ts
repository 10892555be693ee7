// What the tab modules get from main.ts.
import type { DashboardUiState, DashboardMeta, DashboardFilter, FromWebview, ToWebview, TabId } from '../src/shared/protocol';
import type { ChartHandle } from './charts';

export type Reply = Extract<ToWebview, { id: number }>;

export interface Ctx {
  readonly ui: DashboardUiState;
  readonly meta: DashboardMeta;
  post(msg: FromWebview): void;
  /** send a request and get its reply (matched by id) */
  request(make: (id: number) => FromWebview): Promise<Reply>;
  setFilter(patch: Partial<DashboardFilter>): void;
  setHiddenSeries(hidden: readonly string[]): void;
  /** charts of the current render, destroyed before the next */
  track(chart: ChartHandle): void;
  announce(text: string): void;
}

export interface TabView<T> {
  readonly id: TabId;
  /** build the static parts (forms) once */
  mount(panel: HTMLElement, ctx: Ctx): void;
  /** show a snapshot */
  update(data: T, ctx: Ctx): void;
}
