import("../lib/index.ts").then(({ serve }) => serve({ fd: 0, handler: () => ({}) }).subscribe({ error: (e) => console.log(e.message) }))
