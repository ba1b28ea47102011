from aula_shared.components import Component

component = Component(name="simulator", servers={"simulator": "aula_tgsim.server:serve"}, order=90)
