import { it } from 'vitest';
import { vjpRules } from '../../src/onnx/autodiff/rules.js';
it('k', () => { console.log([...vjpRules.keys()].sort().join(' ')); });
