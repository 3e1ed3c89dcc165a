// Umbrella header of the neuro layer: spiking neurons, synapses, spike trains, populations and
// decoders, the NEF, surrogate-gradient spiking networks.
#pragma once
#include "cajal/neuro/hh.h"
#include "cajal/neuro/lif.h"
#include "cajal/neuro/spikes.h"
#include "cajal/neuro/synapse.h"
#include "cajal/neuro/decoders.h"
#include "cajal/neuro/nef.h"
#include "cajal/neuro/population.h"
#include "cajal/neuro/surrogate.h"
