"""A tiny ONNX interpreter in PyTorch, so that the benchmark's PyTorch side runs *the same weights*
as trustscope (no re-implementation of the model in torch.nn, no weight copying by hand).

    from onnx_to_torch import OnnxTorch
    model = OnnxTorch('model.onnx')          # a torch.nn.Module; initializers become buffers
    logits = model(x)                        # x: float32 [N, C, H, W]; autograd works through it

Each ONNX node is evaluated with the torch.nn.functional op that PyTorch itself would run for the
same layer (F.conv2d, F.relu, F.max_pool2d, F.linear/addmm…), so timing this module is timing
PyTorch. Initializers are registered as buffers (requires_grad=False): attribution only needs the
input gradient, and this is also what a frozen model looks like to Captum.

Supported: Conv (grouped too), Relu, LeakyRelu, Sigmoid, Tanh, Clip (ReLU6), Erf, MaxPool,
AveragePool, GlobalAveragePool, Gemm, MatMul, Flatten, Reshape, Transpose, Slice, Expand, Split,
Softmax, LogSoftmax, LayerNormalization, Add, Sub, Mul, Div, BatchNormalization (inference),
Pad (constant), Dropout/Identity, Constant, Shape, Gather, Unsqueeze, Concat. Anything else raises
with the op's name. Needs torch, numpy and onnx (Debian: python3-torch, python3-onnx).

Two fusions make a transformer run the kernels its torch.nn original runs: MatMul with a weight
followed by Add of a bias becomes F.linear, and exact GELU's Div · Erf · Add · Mul · Mul becomes
F.gelu (see _fuse).

Captum's DeepLift finds the nonlinearities to override by module type (nn.ReLU, nn.MaxPool2d…) and
hooks each module instance, so every Relu and MaxPool node is evaluated by its own nn.ReLU /
nn.MaxPool2d child module (same kernels as F.relu / F.max_pool2d). Clip stays functional
(torch.clamp): Captum has no rule for nn.ReLU6 either, so a Clip gets its ordinary gradient there
just as it would in torchvision's MobileNetV2.

Captum 0.8's DeepLift reads a module's output gradient with a tensor hook on its output; when that
tensor is also the input of the next hooked module (ReLU → MaxPool, as in VGG and ResNet's stem) the
first hook stores the gradient before the second rewrites it, so the ReLU rule sees the ordinary
max-pool gradient and Σ attributions ≠ f(x) − f(b) (captum issue #1104, fixed after 0.8 by PR #1843).
`OnnxTorch(path, separate_hooked_modules=True)` feeds such a module a .clone() of its input (one
copy per adjacent pair), which restores the rule; the benchmark turns it on for DeepLIFT only.
"""
import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pair_pads(pads):
    """ONNX pads [top, left, bottom, right] -> symmetric (top, left), or None if asymmetric."""
    if not pads:
        return (0, 0)
    n = len(pads) // 2
    begin, end = pads[:n], pads[n:]
    return tuple(begin) if list(begin) == list(end) else None


def _explicit_pad(x, pads, value=0.0):
    """Applies ONNX-style asymmetric spatial pads with F.pad (which takes last axis first)."""
    n = len(pads) // 2
    torch_pads = []
    for axis in reversed(range(n)):
        torch_pads += [pads[axis], pads[axis + n]]
    return F.pad(x, torch_pads, value=value)


def _conv(x, w, b, a):
    if a.get('auto_pad', b'NOTSET') not in (b'NOTSET', 'NOTSET'):
        raise NotImplementedError('Conv with auto_pad')
    stride = tuple(a.get('strides', [1, 1]))
    dilation = tuple(a.get('dilations', [1, 1]))
    groups = a.get('group', 1)
    pads = a.get('pads', [0, 0, 0, 0])
    sym = _pair_pads(pads)
    if sym is None:
        x, sym = _explicit_pad(x, pads), (0, 0)
    return F.conv2d(x, w, b, stride=stride, padding=sym, dilation=dilation, groups=groups)


def _max_pool(x, a):
    k = tuple(a['kernel_shape'])
    stride = tuple(a.get('strides', [1] * len(k)))
    pads = a.get('pads', [0] * 2 * len(k))
    sym = _pair_pads(pads)
    if sym is None:
        x, sym = _explicit_pad(x, pads, float('-inf')), (0, 0)
    return F.max_pool2d(x, k, stride, sym, tuple(a.get('dilations', [1, 1])), ceil_mode=bool(a.get('ceil_mode', 0)))


def _avg_pool(x, a):
    k = tuple(a['kernel_shape'])
    stride = tuple(a.get('strides', [1] * len(k)))
    pads = a.get('pads', [0] * 2 * len(k))
    sym = _pair_pads(pads)
    if sym is None:
        raise NotImplementedError('AveragePool with asymmetric pads')
    return F.avg_pool2d(x, k, stride, sym, ceil_mode=bool(a.get('ceil_mode', 0)),
                        count_include_pad=bool(a.get('count_include_pad', 0)))


def _gemm(a_, b_, c, at):
    if at.get('transA', 0):
        a_ = a_.t()
    alpha, beta = at.get('alpha', 1.0), at.get('beta', 1.0)
    if at.get('transB', 0) and alpha == 1.0 and beta == 1.0:
        return F.linear(a_, b_, c)  # what nn.Linear runs
    y = alpha * (a_ @ (b_.t() if at.get('transB', 0) else b_))
    return y if c is None else y + beta * c


def _reshape(x, shape):
    shape = [int(s) for s in shape.tolist()]
    shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]  # ONNX: 0 copies the input dim
    return x.reshape(shape)


def _flatten(x, a):
    axis = a.get('axis', 1)
    axis = axis if axis >= 0 else x.dim() + axis
    lead = int(np.prod(x.shape[:axis])) if axis > 0 else 1
    return x.reshape(lead, -1)


def _batch_norm(x, scale, bias, mean, var, a):
    if a.get('training_mode', 0):
        raise NotImplementedError('BatchNormalization in training mode')
    return F.batch_norm(x, mean, var, scale, bias, training=False, eps=a.get('epsilon', 1e-5))


def _pad(x, pads, value, a):
    mode = a.get('mode', b'constant')
    if mode not in (b'constant', 'constant'):
        raise NotImplementedError(f'Pad mode {mode}')
    pads = [int(p) for p in pads.tolist()]
    n = len(pads) // 2
    torch_pads = []
    for axis in reversed(range(n)):
        torch_pads += [pads[axis], pads[axis + n]]
    return F.pad(x, torch_pads, value=float(value) if value is not None else 0.0)


def _gather(x, idx, a):
    axis = a.get('axis', 0)
    return torch.index_select(x, axis, idx.reshape(-1).long()).reshape(
        list(x.shape[:axis]) + list(idx.shape) + list(x.shape[axis + 1:]))


def _unsqueeze(x, axes):
    for ax in sorted(int(v) for v in axes.tolist()):
        x = x.unsqueeze(ax)
    return x


def _clip(x, lo, hi):
    # ReLU6 (Clip(0, 6)) is what F.hardtanh/relu6 run; clamp for other bounds.
    lo = None if lo is None else float(lo)
    hi = None if hi is None else float(hi)
    if lo == 0.0 and hi == 6.0:
        return F.relu6(x)
    return torch.clamp(x, lo, hi)


def _slice(x, starts, ends, axes=None, steps=None):
    axes = list(range(len(starts))) if axes is None else [int(a) for a in axes.tolist()]
    steps = [1] * len(axes) if steps is None else [int(v) for v in steps.tolist()]
    index = [slice(None)] * x.dim()
    for a, b, e, st in zip(axes, starts.tolist(), ends.tolist(), steps):
        if st != 1:
            raise NotImplementedError('Slice with steps other than 1')
        size = x.shape[a]
        b, e = int(max(min(b, size), -size)), int(max(min(e, size), -size - 1))
        index[a] = slice(b, e)
    return x[tuple(index)]


def _expand(x, shape):
    shape = [int(s) for s in shape.tolist()]
    # ONNX Expand broadcasts both ways (a 1 in `shape` keeps x's size); torch's expand takes -1 for that.
    rank = max(x.dim(), len(shape))
    shape = [1] * (rank - len(shape)) + shape
    lead = [1] * (rank - x.dim()) + list(x.shape)
    return x.reshape(lead).expand([d if s == 1 else s for s, d in zip(shape, lead)])


def _split(x, sizes, a):
    axis = a.get('axis', 0)
    if sizes is None:
        sizes = a.get('split')
    if sizes is None:
        raise NotImplementedError('Split without sizes')
    sizes = [int(v) for v in (sizes.tolist() if hasattr(sizes, 'tolist') else sizes)]
    return list(torch.split(x, sizes, dim=axis))


def _layer_norm(x, scale, bias, a):
    axis = a.get('axis', -1)
    axis = axis if axis >= 0 else x.dim() + axis
    return F.layer_norm(x, x.shape[axis:], scale, bias, eps=a.get('epsilon', 1e-5))


OPS = {
    'Relu': lambda i, a: F.relu(i[0]),
    'LeakyRelu': lambda i, a: F.leaky_relu(i[0], a.get('alpha', 0.01)),
    'Sigmoid': lambda i, a: torch.sigmoid(i[0]),
    'Tanh': lambda i, a: torch.tanh(i[0]),
    'Conv': lambda i, a: _conv(i[0], i[1], i[2] if len(i) > 2 else None, a),
    'MaxPool': lambda i, a: _max_pool(i[0], a),
    'AveragePool': lambda i, a: _avg_pool(i[0], a),
    'GlobalAveragePool': lambda i, a: i[0].mean(dim=tuple(range(2, i[0].dim())), keepdim=True),
    'Gemm': lambda i, a: _gemm(i[0], i[1], i[2] if len(i) > 2 else None, a),
    'MatMul': lambda i, a: torch.matmul(i[0], i[1]),
    'Flatten': lambda i, a: _flatten(i[0], a),
    'Reshape': lambda i, a: _reshape(i[0], i[1]),
    'Softmax': lambda i, a: F.softmax(i[0], dim=a.get('axis', -1)),
    'LogSoftmax': lambda i, a: F.log_softmax(i[0], dim=a.get('axis', -1)),
    'Add': lambda i, a: i[0] + i[1],
    'Sub': lambda i, a: i[0] - i[1],
    'Mul': lambda i, a: i[0] * i[1],
    'Div': lambda i, a: i[0] / i[1],
    'BatchNormalization': lambda i, a: _batch_norm(*i[:5], a),
    'Pad': lambda i, a: _pad(i[0], i[1], i[2] if len(i) > 2 else None, a),
    'Dropout': lambda i, a: i[0],
    'Identity': lambda i, a: i[0],
    'Shape': lambda i, a: torch.tensor(list(i[0].shape), dtype=torch.int64),
    'Gather': lambda i, a: _gather(i[0], i[1], a),
    'Unsqueeze': lambda i, a: _unsqueeze(i[0], i[1] if len(i) > 1 else torch.tensor(a['axes'])),
    'Concat': lambda i, a: torch.cat(i, dim=a['axis']),
    'Clip': lambda i, a: _clip(i[0], i[1] if len(i) > 1 else a.get('min'), i[2] if len(i) > 2 else a.get('max')),
    'Erf': lambda i, a: torch.erf(i[0]),
    'Transpose': lambda i, a: i[0].permute(*a['perm']),
    'Slice': lambda i, a: _slice(*i[:5]),
    'Expand': lambda i, a: _expand(i[0], i[1]),
    'Split': lambda i, a: _split(i[0], i[1] if len(i) > 1 else None, a),
    'LayerNormalization': lambda i, a: _layer_norm(i[0], i[1], i[2] if len(i) > 2 else None, a),
}

# Ops the fusion pass (_fuse) writes: what nn.Linear and nn.GELU run for the layers a torch export
# splits into MatMul + Add and Div · Erf · Add · Mul · Mul.
OPS['Linear'] = lambda i, a: F.linear(i[0], i[1], i[2])
OPS['Gelu'] = lambda i, a: F.gelu(i[0])


def _fuse(nodes, consts, keep):
    """Rewrites MatMul(x, W) + Add(b) into one Linear (W transposed once, as nn.Linear stores it)
    and exact GELU's five nodes into one Gelu, so a transformer runs the kernels timm's would (one
    addmm and one gelu kernel, not a matmul, an add and five elementwise passes). Values consumed
    more than once, or named in `keep` (graph outputs), are never fused away.
    Returns (nodes, new constants)."""
    uses = {}
    for _, ins, _, _, _ in nodes:
        for n in ins:
            uses[n] = uses.get(n, 0) + 1
    producer = {outs[0]: k for k, (_, _, outs, _, _) in enumerate(nodes)}
    single = lambda v: uses.get(v, 0) == 1 and v not in keep  # noqa: E731
    is_const = lambda v, rank: v in consts and consts[v].is_floating_point() and consts[v].dim() == rank  # noqa: E731
    scalar = lambda v, value: v in consts and consts[v].numel() == 1 and abs(float(consts[v]) - value) < 1e-6  # noqa: E731
    drop, replace, new_consts = set(), {}, {}
    for k, (op, ins, outs, a, key) in enumerate(nodes):
        if op == 'MatMul' and is_const(ins[1], 2) and single(outs[0]):
            consumer = next(j for j, (_, cins, _, _, _) in enumerate(nodes) if outs[0] in cins)
            cop, cins, couts, _, _ = nodes[consumer]
            other = cins[1] if cins[0] == outs[0] else cins[0]
            if cop == 'Add' and is_const(other, 1):
                transposed = ins[1] + '/torch_linear_weight'
                new_consts[transposed] = consts[ins[1]].t().contiguous()
                drop.add(k)
                replace[consumer] = ('Linear', [ins[0], transposed, other], couts, {}, None)
        if op == 'Erf' and single(ins[0]) and single(outs[0]) and ins[0] in producer:
            div = nodes[producer[ins[0]]]
            adds = [j for j, (o, cins, _, _, _) in enumerate(nodes) if o == 'Add' and outs[0] in cins]
            if div[0] != 'Div' or not scalar(div[1][1], 2 ** 0.5) or len(adds) != 1:
                continue
            h = div[1][0]
            add = nodes[adds[0]]
            if not scalar(add[1][1] if add[1][0] == outs[0] else add[1][0], 1.0) or not single(add[2][0]):
                continue
            muls = [j for j, (o, cins, _, _, _) in enumerate(nodes) if o == 'Mul' and add[2][0] in cins]
            halves = [j for j, (o, cins, _, _, _) in enumerate(nodes) if o == 'Mul' and h in cins and any(scalar(c, 0.5) for c in cins)]
            if len(muls) != 1 or len(halves) != 1 or not single(nodes[halves[0]][2][0]) or nodes[halves[0]][2][0] not in nodes[muls[0]][1]:
                continue
            drop.update([producer[ins[0]], k, adds[0], halves[0]])
            replace[muls[0]] = ('Gelu', [h], nodes[muls[0]][2], {}, None)
    fused = [replace.get(k, node) for k, node in enumerate(nodes) if k not in drop]
    return fused, new_consts


# Ops evaluated by a child module per node (Captum's DeepLift hooks modules by type).
MODULE_OPS = {'Relu', 'MaxPool'}


def _module_for(op, a):
    if op == 'Relu':
        return nn.ReLU()
    k = tuple(a['kernel_shape'])
    pads = a.get('pads', [0] * 2 * len(k))
    sym = _pair_pads(pads)
    if sym is None or len(k) != 2:
        return None  # asymmetric pads: functional path (no Captum rule)
    return nn.MaxPool2d(k, tuple(a.get('strides', [1] * len(k))), sym, tuple(a.get('dilations', [1, 1])),
                        ceil_mode=bool(a.get('ceil_mode', 0)))


class OnnxTorch(torch.nn.Module):
    """Evaluates an ONNX graph (single input, first output returned) with torch ops."""

    def __init__(self, path, separate_hooked_modules=False):
        super().__init__()
        self.separate_hooked_modules = separate_hooked_modules
        model = onnx.load(path)
        graph = model.graph
        self.consts = {}
        for i, t in enumerate(graph.initializer):
            array = onnx.numpy_helper.to_array(t).copy()
            value = torch.from_numpy(array)
            if value.is_floating_point():
                # Buffers (not parameters): no weight gradients are ever built.
                self.register_buffer(f'init_{i}', value)
            self.consts[t.name] = value
        self.buffer_names = {t.name: f'init_{i}' for i, t in enumerate(graph.initializer)}
        inits = set(self.consts)
        inputs = [v.name for v in graph.input if v.name not in inits]
        if len(inputs) != 1:
            raise ValueError(f'{path}: expected one run-time input, found {inputs}')
        self.input_name = inputs[0]
        self.input_shape = [d.dim_value for d in graph.input[[v.name for v in graph.input].index(inputs[0])].type.tensor_type.shape.dim]
        self.output_name = graph.output[0].name
        self.nodes = []
        self.node_modules = nn.ModuleDict()
        for node in graph.node:
            if node.op_type == 'Constant':
                t = _attrs(node)['value']
                self.consts[node.output[0]] = torch.from_numpy(onnx.numpy_helper.to_array(t).copy())
                continue
            if node.op_type not in OPS:
                raise NotImplementedError(f'onnx_to_torch: op {node.op_type} (node {node.name}) is not supported')
            attrs = _attrs(node)
            module = _module_for(node.op_type, attrs) if node.op_type in MODULE_OPS else None
            key = None
            if module is not None:
                key = f'n{len(self.nodes)}'
                self.node_modules[key] = module
            self.nodes.append((node.op_type, list(node.input), list(node.output), attrs, key))
        self.nodes, fused_consts = _fuse(self.nodes, self.consts, {v.name for v in graph.output})
        for j, (name, value) in enumerate(fused_consts.items()):
            self.register_buffer(f'fused_{j}', value)
            self.buffer_names[name] = f'fused_{j}'
            self.consts[name] = value
        # Inputs of module nodes that are outputs of module nodes (see separate_hooked_modules).
        module_outputs = {outs[0] for _, _, outs, _, key in self.nodes if key is not None}
        self.adjacent = {key for _, ins, _, _, key in self.nodes if key is not None and ins[0] in module_outputs}

    def _const(self, name):
        # Read floating initializers through the module's buffers so .to()/.double() apply to them.
        if name in self.buffer_names and hasattr(self, self.buffer_names[name]):
            return getattr(self, self.buffer_names[name])
        return self.consts[name]

    def forward(self, x, capture=None):
        """The first output; with `capture` (an inner value name), also that value with retain_grad()."""
        env = {self.input_name: x}
        for op, ins, outs, a, key in self.nodes:
            args = [None if n == '' else (env[n] if n in env else self._const(n)) for n in ins]
            if key is None:
                result = OPS[op](args, a)
            elif self.separate_hooked_modules and key in self.adjacent:
                result = self.node_modules[key](args[0].clone())
            else:
                result = self.node_modules[key](args[0])
            if isinstance(result, list):
                for name, value in zip(outs, result):
                    env[name] = value
            else:
                env[outs[0]] = result
        if capture is None:
            return env[self.output_name]
        if capture not in env:
            raise KeyError(f'onnx_to_torch: no value named {capture}')
        inner = env[capture]
        if inner.requires_grad:
            inner.retain_grad()
        return env[self.output_name], inner
