"""A random-weight ResNet-18 (torchvision's layout, written out: torchvision is not installed here)
exported at the given opsets, for bench/max-pool-gradient.ts.

    /usr/bin/python3 bench/reference/export_resnet18.py /tmp/resnet18 13 17   # writes /tmp/resnet18-opset13.onnx, …
"""
import sys

import torch
import torch.nn as nn

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from make_family_fixtures import BasicBlock  # noqa: E402


class ResNet18(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, c = [], 64
        for width, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers += [BasicBlock(c, width, stride), BasicBlock(width, width, 1)]
            c = width
        self.layers = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.layers(self.maxpool(self.relu(self.bn1(self.conv1(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


if __name__ == '__main__':
    prefix = sys.argv[1]
    torch.manual_seed(0)
    model = ResNet18().eval()
    x = torch.randn(1, 3, 224, 224)
    for opset in map(int, sys.argv[2:]):
        torch.onnx.export(model, x, f'{prefix}-opset{opset}.onnx', opset_version=opset, input_names=['input'], output_names=['output'],
                          dynamic_axes={'input': {0: 'N'}, 'output': {0: 'N'}})
        print(f'{prefix}-opset{opset}.onnx')
