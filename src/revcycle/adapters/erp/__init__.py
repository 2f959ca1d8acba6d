"""ERP adapters: one module per ERP kind (file export, REST), listed in ``registry``; the GL mapping
file loader; and the ERP emulator used by the demo and the tests."""
