// Umbrella header of the nn layer: Module, layers, initialisers, the perceptron.
#pragma once
#include "cajal/nn/activation.h"
#include "cajal/nn/any_module.h"
#include "cajal/nn/batchnorm.h"
#include "cajal/nn/conv.h"
#include "cajal/nn/dropout.h"
#include "cajal/nn/embedding.h"
#include "cajal/nn/init.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/module.h"
#include "cajal/nn/module_list.h"
#include "cajal/nn/perceptron.h"
#include "cajal/nn/sequential.h"
