/**
 * `--task` for explain, evaluate and audit: declared once (models/task.ts), added like every other
 * declared flag, and resolved against the loaded model's output shape — so a one-output model is a
 * regressor unless the user says otherwise, and a declaration the shape contradicts is one line.
 */
import type { Command } from 'commander';
import { mergeOptionSpecs } from '../options/option-spec.js';
import { inferTask, TASK_OPTION, type Task } from '../models/task.js';
import { addDeclaredOptions } from './declared-options.js';
import { UsageError } from './errors.js';
import { defaultRegressionTarget } from '../attribution/common/target.js';

const TASK_FLAGS = mergeOptionSpecs([{ owner: 'task', options: [TASK_OPTION] }]);

export function addTaskOption(command: Command): Command {
  return addDeclaredOptions(command, TASK_FLAGS);
}

/** The task of a model with `outputSize` outputs: the --task given, else inferred. */
export function resolveTask(declared: unknown, outputShape: readonly number[]): Task {
  try {
    return inferTask(outputShape, declared as Task | undefined);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** "class" or "output": how the explained index is named in every message of a run. */
export function targetNoun(task: Task): string {
  return task === 'regression' ? 'output' : 'class';
}

/**
 * The --target of a run: for a classifier as given (undefined: the predicted class); for a regressor
 * output indices, checked against the outputs, and by default its one output — never an argmax over
 * unrelated real-valued quantities (a vector regressor without --target is refused).
 */
export function regressionTargetOr(task: Task, target: number | number[] | undefined, outputSize: number): number | number[] | undefined {
  if (task !== 'regression') return target;
  if (target === undefined) {
    try {
      return defaultRegressionTarget(outputSize);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const bad = (typeof target === 'number' ? [target] : target).find((k) => k >= outputSize);
  if (bad !== undefined) throw new UsageError(`--target names output ${bad} but the model has ${outputSize} output${outputSize === 1 ? '' : 's'} (0..${outputSize - 1})`);
  return target;
}
