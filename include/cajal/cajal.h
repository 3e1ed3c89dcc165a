// Umbrella header: everything a user program needs.
#pragma once
#include "cajal/autograd/engine.h"
#include "cajal/autograd/grad_mode.h"
#include "cajal/autograd/gradcheck.h"
#include "cajal/autograd/node.h"
#include "cajal/core/allocator.h"
#include "cajal/core/error.h"
#include "cajal/core/generator.h"
#include "cajal/core/tensor.h"
#include "cajal/core/threading.h"
#include "cajal/nn/nn.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/optim.h"
