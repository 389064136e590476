// The hand-written contract (src/lib/ipc/types.ts) must match what ts-rs generates from Rust
// (src/lib/ipc/bindings/). Checked by the compiler (`npm run check`); the test only runs it.
import { expect, test } from "vitest";
import type * as Mine from "../src/lib/ipc/types";
import type { DropHover, ImageDropped } from "../src/lib/ipc";
import type { AppError } from "../src/lib/ipc/bindings/AppError";
import type { AppState } from "../src/lib/ipc/bindings/AppState";
import type { Draft } from "../src/lib/ipc/bindings/Draft";
import type { DropHover as GenDropHover } from "../src/lib/ipc/bindings/DropHover";
import type { ImageDropped as GenImageDropped } from "../src/lib/ipc/bindings/ImageDropped";
import type { ImageHosting } from "../src/lib/ipc/bindings/ImageHosting";
import type { Job } from "../src/lib/ipc/bindings/Job";
import type { JobProblem } from "../src/lib/ipc/bindings/JobProblem";
import type { JobProgress } from "../src/lib/ipc/bindings/JobProgress";
import type { KeyStatus } from "../src/lib/ipc/bindings/KeyStatus";
import type { ModelInfo } from "../src/lib/ipc/bindings/ModelInfo";
import type { Settings } from "../src/lib/ipc/bindings/Settings";
import type { StartImage } from "../src/lib/ipc/bindings/StartImage";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const same: {
  AppError: Same<Mine.AppError, AppError>;
  AppState: Same<Mine.AppState, AppState>;
  Draft: Same<Mine.Draft, Draft>;
  DropHover: Same<DropHover, GenDropHover>;
  ImageDropped: Same<ImageDropped, GenImageDropped>;
  ImageHosting: Same<Mine.ImageHosting, ImageHosting>;
  Job: Same<Mine.Job, Job>;
  JobStatus: Same<Mine.JobStatus, Job["status"]>;
  JobProblem: Same<Mine.JobProblem, JobProblem>;
  JobProgress: Same<Mine.JobProgress, JobProgress>;
  KeyStatus: Same<Mine.KeyStatus, KeyStatus>;
  ModelInfo: Same<Mine.ModelInfo, ModelInfo>;
  Settings: Same<Mine.Settings, Settings>;
  StartImage: Same<Mine.StartImage, StartImage>;
} = {
  AppError: true,
  AppState: true,
  Draft: true,
  DropHover: true,
  ImageDropped: true,
  ImageHosting: true,
  Job: true,
  JobStatus: true,
  JobProblem: true,
  JobProgress: true,
  KeyStatus: true,
  ModelInfo: true,
  Settings: true,
  StartImage: true,
};

test("types.ts matches the ts-rs bindings (a type error here is drift)", () => {
  expect(Object.values(same).every(Boolean)).toBe(true);
});
