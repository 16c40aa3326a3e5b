"""The base every other package stands on: settings, logging, the Temporal connection with its payload
codec, the sample organisation and catalogue, and the Temporal binaries. It imports only the domain."""
