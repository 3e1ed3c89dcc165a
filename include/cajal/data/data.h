// The data layer in one include: datasets, the DataLoader, file readers (IDX, CSV, text),
// Fashion-MNIST and normalisation transforms. Everything lives in namespace cajal::data.
#pragma once
#include "cajal/data/csv.h"
#include "cajal/data/dataloader.h"
#include "cajal/data/dataset.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/data/idx.h"
#include "cajal/data/text.h"
#include "cajal/data/transforms.h"
