//! vSphere SOAP client.
