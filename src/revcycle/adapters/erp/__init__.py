"""ERP adapters: one module per ERP kind (file export, REST), listed in ``registry``; the GL mapping
file loader; the ERP emulator used by the demo and the tests; and the scheduled REST pull of master
data (``rest_pull``)."""
