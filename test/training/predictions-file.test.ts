/** The predictions-per-epoch file: JSON and CSV read into the same record; mistakes named in one line. */
import { describe, expect, it } from 'vitest';
import { parsePredictionsCsv, parsePredictionsFile, parsePredictionsJson, predictionsJson } from '../../src/training/predictions-file.js';
import type { PredictionsPerEpoch } from '../../src/training/instance-flow.js';

const names = ['grain', 'void', 'crack'];
const record: PredictionsPerEpoch = {
  classNames: names,
  epochs: [1, 2],
  instances: [
    { id: '0', set: 'input', label: 0, predicted: [1, 0] },
    { id: '1', set: 'input', label: 2, predicted: [2, 2] },
  ],
};

describe('predictions-per-epoch files', () => {
  it('round-trips the JSON form', () => {
    expect(parsePredictionsJson(predictionsJson(record), 'p.json', { classNames: names })).toEqual(record);
  });

  it('reads CSV rows in any order, class names or indices, labels from a column or from --labels by row', () => {
    const csv = 'epoch,instance,predicted,label\n2,0,grain,0\n1,1,2,crack\n1,0,void,grain\n2,1,crack,2\n';
    expect(parsePredictionsCsv(csv, 'p.csv', { classNames: names })).toEqual(record);
    const noLabels = 'instance,epoch,predicted\n0,1,1\n0,2,0\n1,1,2\n1,2,2\n';
    expect(parsePredictionsFile(noLabels, 'p.csv', { classNames: names, labels: [0, 2] })).toEqual(record);
    const json = JSON.stringify({ epochs: [1, 2], instances: [{ id: 0, predicted: [1, 0] }, { id: 1, predicted: ['crack', 2] }] });
    expect(parsePredictionsFile(json, 'p.json', { classNames: names, labels: [0, 2] })).toEqual(record);
  });

  it('names the problem and the fix', () => {
    const ctx = { classNames: names };
    expect(() => parsePredictionsCsv('instance,predicted\n0,1\n', 'p.csv', ctx)).toThrow(/p\.csv:1: the header lacks epoch; expected columns instance,epoch,predicted/);
    expect(() => parsePredictionsCsv('instance,epoch,predicted,label\n0,1,1,0\n0,2,1,0\n1,1,0,1\n', 'p.csv', ctx)).toThrow(/p\.csv:4: instance '1' has no row for epoch 2/);
    expect(() => parsePredictionsCsv('instance,epoch,predicted,label\n0,1,7,0\n', 'p.csv', ctx)).toThrow(/p\.csv:2: predicted class 7 is not a class index in \[0, 3\)/);
    expect(() => parsePredictionsCsv('instance,epoch,predicted\nx,1,1\n', 'p.csv', { classNames: names, labels: [0] })).toThrow(/instance 'x' has no label; add a label column/);
    expect(() => parsePredictionsJson('{"epochs": [2, 1], "instances": []}', 'p.json', ctx)).toThrow(/epochs must increase \(2 then 1\)/);
    expect(() => parsePredictionsJson('{"epochs": [1], "instances": [{"id": "a", "label": 0, "predicted": [1, 2]}]}', 'p.json', ctx)).toThrow(/"predicted" needs one class per epoch \(1\)/);
    expect(() => parsePredictionsJson('not json', 'p.json', ctx)).toThrow(/p\.json: not valid JSON/);
  });
});
