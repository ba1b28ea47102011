from aula_shared.components import Component

component = Component(name="gateway", servers={"gateway": "aula_gateway.server:serve"}, order=20)
