//! The vSphere simulator.
